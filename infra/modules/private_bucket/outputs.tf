output "name" {
  description = "The bucket's name."
  value       = google_storage_bucket.this.name
}

output "url" {
  description = "gs://NAME, the form BLOB_URL takes."
  value       = "gs://${google_storage_bucket.this.name}"
}
