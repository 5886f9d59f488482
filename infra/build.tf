# Function builds (Cloud Build, buildpacks) run as this account, not the Compute default one, and push their
# images to a repository of ours with a cleanup policy, so images do not pile up.
resource "google_service_account" "build" {
  project      = var.project_id
  account_id   = "vicon-build"
  display_name = "Vicon function builds"
  description  = "Builds the Cloud Functions from the source archive; no runtime access."

  depends_on = [google_project_service.apis]
}

resource "google_project_iam_member" "build_logs" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = google_service_account.build.member
}

resource "google_storage_bucket_iam_member" "build_reads_sources" {
  bucket = module.sources.name
  role   = "roles/storage.objectViewer"
  member = google_service_account.build.member
}

resource "google_artifact_registry_repository" "functions" {
  # checkov:skip=CKV_GCP_84: The images hold the open source of this repository and public packages, no data; Google-managed encryption is enough, and a customer-managed key would add a KMS key to rotate and pay for with nothing to protect.
  project       = var.project_id
  location      = var.region
  repository_id = "vicon-functions"
  description   = "Images built from the Vicon function source; old ones are cleaned up."
  format        = "DOCKER"
  labels        = local.labels

  cleanup_policy_dry_run = false
  # The newest images of each function stay (a rollback redeploys the old archive anyway); the rest go after
  # a week.
  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 3
    }
  }
  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"
    condition {
      tag_state  = "ANY"
      older_than = "604800s"
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_artifact_registry_repository_iam_member" "build_pushes" {
  project    = var.project_id
  location   = google_artifact_registry_repository.functions.location
  repository = google_artifact_registry_repository.functions.name
  role       = "roles/artifactregistry.writer"
  member     = google_service_account.build.member
}

data "google_project" "this" {
  project_id = var.project_id
}

# The Cloud Functions service agent deploys the image it finds in our repository (not its default gcf-artifacts).
resource "google_artifact_registry_repository_iam_member" "functions_agent_reads" {
  project    = var.project_id
  location   = google_artifact_registry_repository.functions.location
  repository = google_artifact_registry_repository.functions.name
  role       = "roles/artifactregistry.reader"
  member     = "serviceAccount:service-${data.google_project.this.number}@gcf-admin-robot.iam.gserviceaccount.com"

  # The agent exists once the Cloud Functions API is on.
  depends_on = [google_project_service.apis]
}
