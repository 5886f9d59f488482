output "site_url" {
  description = "The static site (the intake form)."
  value       = local.site_url
}

output "public_base_url" {
  description = "PUBLIC_BASE_URL: the base of every link in mails (the site; /api/<target> behind it)."
  value       = local.public_base_url
}

output "webhook_url" {
  description = "Event notification endpoint URL for the Zoom app (through the site, like every other target)."
  value       = "${local.public_base_url}/api/zoom_webhook"
}

output "api_urls" {
  description = "Each target's public address, PUBLIC_BASE_URL/api/<path>."
  value       = { for target, spec in local.targets : target => "${local.public_base_url}/api/${lookup(local.target_paths, target, target)}" }
}

output "function_urls" {
  description = "Each function's own run.app address (for checks; people and Zoom use api_urls)."
  value       = { for target, function in module.function : target => function.uri }
}

output "hosting" {
  description = "What tools/hosting.py needs for the Firebase Hosting configuration."
  value = {
    site_id  = google_firebase_hosting_site.site.site_id
    region   = var.region
    logo_url = var.logo_url
    # target => its function (and Cloud Run service) name
    services = { for target, function in module.function : target => function.name }
  }
}

output "required_secrets" {
  description = "Secret Manager secret IDs that need an enabled version (gcloud secrets versions add ...)."
  value       = [for name in local.required_secrets : local.secret_ids[name]]
}

output "blob_bucket" {
  description = "The private bucket of letters and recordings (BLOB_URL)."
  value       = module.blobs.url
}
