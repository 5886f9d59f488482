output "secret_id" {
  description = "The secret's short ID, as secret_environment_variables take it."
  value       = google_secret_manager_secret.this.secret_id
}

output "id" {
  description = "The secret's full resource name (projects/P/secrets/ID), for IAM bindings."
  value       = google_secret_manager_secret.this.id
}
