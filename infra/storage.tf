# Letters and recordings: one private bucket, because BLOB_URL names one (letters/YEAR/..., recordings/REQUEST/...);
# each prefix has its own lifecycle rule and each function's access is limited to the prefixes it needs (IAM
# conditions, modules/function). The lifecycle rules are the safety net: the retention job deletes recordings
# RECORDING_RETENTION_DAYS after the event; the bucket deletes whatever is still there a grace period later.
module "blobs" {
  source     = "./modules/private_bucket"
  project_id = var.project_id
  name       = "${var.project_id}-vicon-blobs"
  location   = var.region
  delete_after_days = {
    "letters/"    = var.letter_lifecycle_days
    "recordings/" = var.recording_retention_days + var.recording_lifecycle_grace_days
  }
  # A deletion under the retention policy is final: no soft-deleted copy lingers.
  soft_delete_seconds = 0
  labels              = local.labels

  depends_on = [google_project_service.apis]
}

# The function source archives. Each deploy's object is named by its hash; Terraform replaces the object when
# the hash changes, and the bucket forgets anything older than a year.
module "sources" {
  source              = "./modules/private_bucket"
  project_id          = var.project_id
  name                = "${var.project_id}-vicon-sources"
  location            = var.region
  delete_after_days   = { "" = 365 }
  soft_delete_seconds = 604800
  labels              = local.labels

  depends_on = [google_project_service.apis]
}

resource "google_storage_bucket_object" "source" {
  bucket       = module.sources.name
  name         = basename(var.source_zip)
  source       = var.source_zip
  content_type = "application/zip"
}

# Who read or wrote which letter or recording, and who read which secret: Cloud Audit Logs' data access logs.
resource "google_project_iam_audit_config" "data_access" {
  for_each = toset(["storage.googleapis.com", "secretmanager.googleapis.com"])
  project  = var.project_id
  service  = each.value
  audit_log_config {
    log_type = "DATA_READ"
  }
  audit_log_config {
    log_type = "DATA_WRITE"
  }
}
