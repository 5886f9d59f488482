output "name" {
  description = "The function's name, which is also its Cloud Run service's (Firebase Hosting rewrites name it)."
  value       = google_cloudfunctions2_function.this.name
}

output "uri" {
  description = "The function's own HTTPS address (run.app); the scheduler's OIDC audience."
  value       = google_cloudfunctions2_function.this.service_config[0].uri
}

output "service_account_email" {
  description = "The account the function runs as."
  value       = google_service_account.this.email
}
