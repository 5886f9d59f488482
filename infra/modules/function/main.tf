# One gen-2 HTTP Cloud Function (a Cloud Run service underneath) for one target of functions/main.py, with its
# own service account holding only the roles this target needs, and its invokers.

resource "google_service_account" "this" {
  project      = var.project_id
  account_id   = "vc-${var.name}"
  display_name = "Vicon ${var.entry_point}"
  description  = "Runs the ${var.entry_point} Cloud Function and nothing else."
}

resource "google_cloudfunctions2_function" "this" {
  # checkov:skip=CKV_GCP_124: The public targets take ALLOW_ALL because Firebase Hosting's rewrites reach them over the internet (decision 0025); IAM decides who may invoke (allUsers for the public form and links, by design). scheduled_tick takes ALLOW_INTERNAL_ONLY (var.ingress).
  project     = var.project_id
  location    = var.region
  name        = var.name
  description = "Vicon target ${var.entry_point} (functions/main.py)"
  labels      = var.labels

  build_config {
    runtime     = var.runtime
    entry_point = var.entry_point
    # Builds run as this account, not the Compute default one (which may hold no roles, or far too many).
    service_account   = var.build_service_account_id
    docker_repository = var.docker_repository_id
    source {
      storage_source {
        bucket = var.source_bucket
        # The object's name carries the archive's SHA-256: a changed source is a new name and a new build.
        object = var.source_object
      }
    }
  }

  service_config {
    service_account_email            = google_service_account.this.email
    available_memory                 = var.memory
    timeout_seconds                  = var.timeout_seconds
    min_instance_count               = 0
    max_instance_count               = var.max_instances
    max_instance_request_concurrency = 1
    # Firebase Hosting reaches the public targets over the internet, so their ingress is open and IAM decides who
    # may invoke (allUsers); scheduled_tick is internal only (Cloud Scheduler in the same project counts as
    # internal) and invocable by the scheduler's account alone.
    ingress_settings               = var.ingress
    all_traffic_on_latest_revision = true
    environment_variables          = var.environment

    dynamic "secret_environment_variables" {
      for_each = var.secrets
      content {
        key        = secret_environment_variables.key
        project_id = var.project_id
        secret     = secret_environment_variables.value
        version    = "latest"
      }
    }
  }

  depends_on = [google_secret_manager_secret_iam_member.access]
}

# Gen-2 functions are Cloud Run services: invoking one is roles/run.invoker on the service (the Cloud Functions
# IAM resource rejects that role). The service has the function's name.
resource "google_cloud_run_v2_service_iam_member" "invoker" {
  for_each = toset(var.invokers)
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.this.name
  role     = "roles/run.invoker"
  member   = each.value
}

resource "google_secret_manager_secret_iam_member" "access" {
  for_each  = var.secrets
  project   = var.project_id
  secret_id = each.value
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.this.member
}

resource "google_project_iam_member" "roles" {
  for_each = toset(var.project_roles)
  project  = var.project_id
  role     = each.value
  member   = google_service_account.this.member
}

# Bucket roles limited to one key prefix (letters/ or recordings/) with an IAM condition; uniform bucket-level
# access makes conditions possible. Objects outside the prefix stay out of reach.
resource "google_storage_bucket_iam_member" "objects" {
  for_each = { for grant in var.bucket_roles : "${grant.prefix}${grant.role}" => grant }
  bucket   = each.value.bucket
  role     = each.value.role
  member   = google_service_account.this.member

  condition {
    title       = "only-${trimsuffix(each.value.prefix, "/")}"
    description = "Objects under ${each.value.prefix} only."
    expression  = "resource.name.startsWith(\"projects/_/buckets/${each.value.bucket}/objects/${each.value.prefix}\")"
  }
}
