# Cloud Scheduler POSTs scheduled_tick with an OIDC token of its own account, the only one that may invoke it.
resource "google_service_account" "scheduler" {
  project      = var.project_id
  account_id   = "vicon-scheduler"
  display_name = "Vicon scheduler"
  description  = "Invokes scheduled_tick from Cloud Scheduler; nothing else."

  depends_on = [google_project_service.apis]
}

resource "google_cloud_scheduler_job" "tick" {
  project     = var.project_id
  region      = var.region
  name        = "vicon-scheduled-tick"
  description = "Due work: mail outbox, provisioning retries, Zoom clean-ups, jobs (webhooks, recordings, retention)."
  schedule    = var.tick_schedule
  time_zone   = "Etc/UTC"
  # The function may run 540 s; the scheduler waits for it, then the next minute's tick comes anyway.
  attempt_deadline = "600s"

  retry_config {
    retry_count = 0
  }

  http_target {
    http_method = "POST"
    uri         = module.function["scheduled_tick"].uri
    oidc_token {
      service_account_email = google_service_account.scheduler.email
      audience              = module.function["scheduled_tick"].uri
    }
  }

  depends_on = [google_project_service.apis]
}
