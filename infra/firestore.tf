# Firestore in native mode, protected from deletion, with the composite indexes the adapter's queries need.
# These resources are the source of truth for the indexes: tests/test_infra.py parses every query of
# functions/vicon/store/firestore.py, works out the index each needs, and checks it is here (and that nothing
# here is unused). Equality-only queries and single-field ranges use Firestore's automatic single-field indexes.
resource "google_firestore_database" "main" {
  project                           = var.project_id
  name                              = "(default)"
  location_id                       = var.firestore_location
  type                              = "FIRESTORE_NATIVE"
  delete_protection_state           = "DELETE_PROTECTION_ENABLED"
  deletion_policy                   = "ABANDON"
  point_in_time_recovery_enablement = "POINT_IN_TIME_RECOVERY_ENABLED"
  app_engine_integration_mode       = "DISABLED"

  depends_on = [google_project_service.apis]
}

locals {
  # collection => the indexes on it, each an ordered list of ascending fields.
  firestore_indexes = {
    # requests_by_status(status, starting_after): status == ..., start > ...
    "requests-status-start" = { collection = "requests", fields = ["status", "start"] }
    # requests_due: status == ..., next_provisioning_at <= now, ordered by next_provisioning_at
    "requests-status-next_provisioning_at" = { collection = "requests", fields = ["status", "next_provisioning_at"] }
    # queue_requests (the staff console) of one OPD: opd == ... [, status == ...], ordered by start
    "requests-opd-start"        = { collection = "requests", fields = ["opd", "start"] }
    "requests-opd-status-start" = { collection = "requests", fields = ["opd", "status", "start"] }
    # outbox _due: state == pending, next_attempt_at <= now, ordered
    "outbox-state-next_attempt_at" = { collection = "outbox", fields = ["state", "next_attempt_at"] }
    # outbox _due for one request: request_id == ..., state == pending, next_attempt_at <= now, ordered
    "outbox-request_id-state-next_attempt_at" = { collection = "outbox", fields = ["request_id", "state", "next_attempt_at"] }
    # jobs claim: state == pending, ready_at <= now, ordered by ready_at then key
    "jobs-state-ready_at-key" = { collection = "jobs", fields = ["state", "ready_at", "key"] }
    # jobs claim of some kinds: kind in [...], state == pending, ready_at <= now, ordered by ready_at then key
    "jobs-kind-state-ready_at-key" = { collection = "jobs", fields = ["kind", "state", "ready_at", "key"] }
    # prune_jobs: state == done, finished_at < cut-off
    "jobs-state-finished_at" = { collection = "jobs", fields = ["state", "finished_at"] }
  }
}

resource "google_firestore_index" "composite" {
  for_each    = local.firestore_indexes
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = each.value.collection
  query_scope = "COLLECTION"

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path = fields.value
      order      = "ASCENDING"
    }
  }
}

# A job's payload is JSON text (up to the document limit): never indexed (decision 0021).
resource "google_firestore_field" "jobs_payload" {
  project    = var.project_id
  database   = google_firestore_database.main.name
  collection = "jobs"
  field      = "payload"

  index_config {}
}

# A complaint's message and its answer are free text (up to 10,000 characters): never queried, so never indexed,
# which keeps each write cheap and clear of the 1,500-byte index entry limit (decision 0027).
resource "google_firestore_field" "complaints_message" {
  project    = var.project_id
  database   = google_firestore_database.main.name
  collection = "complaints"
  field      = "message"

  index_config {}
}

resource "google_firestore_field" "complaints_answer" {
  project    = var.project_id
  database   = google_firestore_database.main.name
  collection = "complaints"
  field      = "answer"

  index_config {}
}

# Spent rate-limit windows delete themselves (decision 0011: the documents carry expires_at for this).
resource "google_firestore_field" "rate_limits_ttl" {
  project    = var.project_id
  database   = google_firestore_database.main.name
  collection = "rate_limits"
  field      = "expires_at"

  ttl_config {}
}

# Staff sessions and used sign-in links delete themselves after they expire (decision 0030: each document carries
# `expires_at` as a timestamp for this); an expired one is refused by its time anyway, this keeps no address or
# token hash longer than needed.
resource "google_firestore_field" "staff_sessions_ttl" {
  project    = var.project_id
  database   = google_firestore_database.main.name
  collection = "staff_sessions"
  field      = "expires_at"

  ttl_config {}
}

resource "google_firestore_field" "staff_logins_ttl" {
  project    = var.project_id
  database   = google_firestore_database.main.name
  collection = "staff_logins"
  field      = "expires_at"

  ttl_config {}
}
