# A private bucket: uniform access (IAM only, no ACLs), public access prevention enforced, no versioning (a
# deletion is final: the retention job's promise), and lifecycle rules per key prefix as the safety net behind
# whatever job deletes objects on time.
resource "google_storage_bucket" "this" {
  # checkov:skip=CKV_GCP_62: Access is recorded by Cloud Audit Logs' data access logs for Cloud Storage (enabled in the root module, storage.tf), with the caller's identity; usage-log buckets are the older, coarser mechanism and would be a third bucket to keep private.
  # checkov:skip=CKV_GCP_78: No versioning on purpose. Letters and recordings are personal data whose deletion under the retention policy must be final, and the source archives are rebuilt byte for byte from git by make package.
  name                        = var.name
  project                     = var.project_id
  location                    = var.location
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = false
  }

  soft_delete_policy {
    retention_duration_seconds = var.soft_delete_seconds
  }

  dynamic "lifecycle_rule" {
    for_each = var.delete_after_days
    content {
      action {
        type = "Delete"
      }
      condition {
        age            = lifecycle_rule.value
        matches_prefix = lifecycle_rule.key == "" ? [] : [lifecycle_rule.key]
      }
    }
  }

  labels = var.labels
}
