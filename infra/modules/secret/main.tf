# A secret without any version: its value never passes through Terraform (plan, state or logs). The operator
# adds versions with `gcloud secrets versions add` (README "Deploy"); functions read `latest` at start-up.
resource "google_secret_manager_secret" "this" {
  project   = var.project_id
  secret_id = var.secret_id

  replication {
    user_managed {
      replicas {
        location = var.location
      }
    }
  }

  labels = var.labels
}
