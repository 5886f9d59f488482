# Vicon on Google Cloud: one gen-2 Cloud Function per target of functions/main.py, Firestore, one private
# bucket for letters and recordings, Secret Manager, Cloud Scheduler for scheduled_tick, and the static site on
# Firebase Hosting, whose rewrites give every target its /api/<target> path (decision 0025).

locals {
  labels = { app = "vicon" }

  # Every @functions_framework.http target of functions/main.py (tests/test_infra.py keeps this table and main.py
  # in step). Per target: who may call it, its size, and the least its account needs:
  #   firestore   roles/datastore.user (reads and writes) or .viewer (reads only), or null
  #   letters     object role under letters/ (objectUser: write and delete; objectViewer: read), or null;
  #               every target that delivers mail reads letters: the verifiers' mail carries the letter
  #   recordings  object role under recordings/, or null
  #   mail        sends mail (gets SMTP_PASSWORD when SMTP_USERNAME is set)
  #   webhook     verifies Zoom's signatures (gets ZOOM_WEBHOOK_SECRET)
  targets = {
    submit_request          = { public = true, memory = "512Mi", timeout = 60, firestore = "roles/datastore.user", letters = "roles/storage.objectUser", recordings = null, mail = true, webhook = false }
    request_status          = { public = true, memory = "256Mi", timeout = 60, firestore = "roles/datastore.viewer", letters = null, recordings = null, mail = false, webhook = false }
    review_request          = { public = true, memory = "256Mi", timeout = 60, firestore = "roles/datastore.user", letters = "roles/storage.objectViewer", recordings = null, mail = true, webhook = false }
    request_letter          = { public = true, memory = "256Mi", timeout = 60, firestore = "roles/datastore.viewer", letters = "roles/storage.objectViewer", recordings = null, mail = false, webhook = false }
    start_meeting           = { public = true, memory = "256Mi", timeout = 60, firestore = "roles/datastore.user", letters = null, recordings = null, mail = false, webhook = false }
    cancel_request          = { public = true, memory = "256Mi", timeout = 60, firestore = "roles/datastore.user", letters = "roles/storage.objectViewer", recordings = null, mail = true, webhook = false }
    zoom_webhook            = { public = true, memory = "256Mi", timeout = 60, firestore = "roles/datastore.user", letters = null, recordings = null, mail = false, webhook = true }
    recording_decision      = { public = true, memory = "256Mi", timeout = 60, firestore = "roles/datastore.user", letters = null, recordings = null, mail = false, webhook = false }
    recordings              = { public = true, memory = "256Mi", timeout = 60, firestore = "roles/datastore.viewer", letters = null, recordings = null, mail = false, webhook = false }
    recording_file          = { public = true, memory = "512Mi", timeout = 3600, firestore = "roles/datastore.viewer", letters = null, recordings = "roles/storage.objectViewer", mail = false, webhook = false }
    submit_survey           = { public = true, memory = "256Mi", timeout = 60, firestore = "roles/datastore.user", letters = null, recordings = null, mail = false, webhook = false }
    quarterly_report        = { public = true, memory = "512Mi", timeout = 60, firestore = "roles/datastore.viewer", letters = null, recordings = null, mail = false, webhook = false }
    submit_complaint        = { public = true, memory = "256Mi", timeout = 60, firestore = "roles/datastore.user", letters = null, recordings = null, mail = true, webhook = false }
    complaint_answer        = { public = true, memory = "256Mi", timeout = 60, firestore = "roles/datastore.user", letters = null, recordings = null, mail = true, webhook = false }
    complaint_register      = { public = true, memory = "256Mi", timeout = 60, firestore = "roles/datastore.user", letters = null, recordings = null, mail = true, webhook = false }
    complaint_register_link = { public = true, memory = "256Mi", timeout = 60, firestore = "roles/datastore.user", letters = null, recordings = null, mail = true, webhook = false }
    staff_login             = { public = true, memory = "256Mi", timeout = 60, firestore = "roles/datastore.user", letters = null, recordings = null, mail = true, webhook = false }
    staff_logout            = { public = true, memory = "256Mi", timeout = 60, firestore = "roles/datastore.user", letters = null, recordings = null, mail = false, webhook = false }
    staff_requests          = { public = true, memory = "256Mi", timeout = 60, firestore = "roles/datastore.user", letters = null, recordings = null, mail = false, webhook = false }
    staff_console           = { public = true, memory = "256Mi", timeout = 60, firestore = "roles/datastore.user", letters = null, recordings = null, mail = false, webhook = false }
    staff_calendar          = { public = true, memory = "256Mi", timeout = 60, firestore = "roles/datastore.user", letters = null, recordings = null, mail = false, webhook = false }
    staff_request           = { public = true, memory = "256Mi", timeout = 60, firestore = "roles/datastore.user", letters = "roles/storage.objectViewer", recordings = null, mail = true, webhook = false }
    staff_letter            = { public = true, memory = "256Mi", timeout = 60, firestore = "roles/datastore.user", letters = "roles/storage.objectViewer", recordings = null, mail = false, webhook = false }
    staff_new_request       = { public = true, memory = "512Mi", timeout = 60, firestore = "roles/datastore.user", letters = "roles/storage.objectUser", recordings = null, mail = true, webhook = false }
    staff_new_complaint     = { public = true, memory = "256Mi", timeout = 60, firestore = "roles/datastore.user", letters = null, recordings = null, mail = true, webhook = false }
    # Archives recordings (streams of up to gigabytes), delivers the outbox, retries provisioning: 540 s.
    scheduled_tick = { public = false, memory = "1Gi", timeout = 540, firestore = "roles/datastore.user", letters = "roles/storage.objectViewer", recordings = "roles/storage.objectUser", mail = true, webhook = false }
    intake_options = { public = true, memory = "256Mi", timeout = 60, firestore = null, letters = null, recordings = null, mail = false, webhook = false }
    openapi_json   = { public = true, memory = "256Mi", timeout = 60, firestore = null, letters = null, recordings = null, mail = false, webhook = false }
  }

  # Paths that name a target differently (as vicon_dev.devserver.TARGET_PATHS): the document is /api/openapi.json.
  target_paths = { openapi_json = "openapi.json" }

  site_url        = var.custom_domain != "" ? "https://${var.custom_domain}" : "https://${var.hosting_site_id}.web.app"
  public_base_url = var.public_base_url != "" ? var.public_base_url : local.site_url

  # The settings every target reads (functions/vicon/settings.py), all of them: tests/test_infra.py checks this
  # map against Settings.from_env. Empty values are left out below, so the embedded default applies.
  environment = {
    PUBLIC_BASE_URL              = local.public_base_url
    STORE_URL                    = "firestore"
    BLOB_URL                     = module.blobs.url
    GOOGLE_CLOUD_PROJECT         = var.project_id
    SMTP_HOST                    = var.smtp_host
    SMTP_PORT                    = var.smtp_port == 0 ? "" : tostring(var.smtp_port)
    SMTP_SECURITY                = var.smtp_security
    SMTP_USERNAME                = var.smtp_username
    MAIL_FROM                    = var.mail_from
    VERIFIER_EMAILS              = join(",", var.verifier_emails)
    SUPERVISOR_EMAILS            = join(",", var.supervisor_emails)
    OPERATOR_EMAILS              = join(",", var.operator_emails)
    ZOOM_ACCOUNT_ID              = var.zoom_account_id
    ZOOM_CLIENT_ID               = var.zoom_client_id
    ZOOM_HOSTS                   = join(",", [for host in var.zoom_hosts : "${host.user}:${host.capacity}"])
    TIMEZONE                     = var.timezone
    MIN_LEAD_WORKING_DAYS        = tostring(var.min_lead_working_days)
    RECORDING_RETENTION_DAYS     = tostring(var.recording_retention_days)
    HOST_BUFFER_MINUTES          = tostring(var.host_buffer_minutes)
    OFFICE_HOURS                 = var.office_hours
    OFFICE_HOURS_FRIDAY          = var.office_hours_friday
    TRUSTED_SIGNATURE_ROOTS      = join(",", var.trusted_signature_roots)
    EXTRA_HOLIDAYS               = join(",", var.extra_holidays)
    EXTRA_WORKING_DAYS           = join(",", var.extra_working_days)
    SUBMIT_RATE_LIMIT            = var.submit_rate_limit
    SUBMIT_RATE_LIMIT_PER_CLIENT = var.submit_rate_limit_per_client
    TRUSTED_PROXY_HOPS           = tostring(var.trusted_proxy_hops)
    OPD_LIST                     = var.opd_list
    REGENCY_NAME                 = var.regency_name
    OFFICE_NAME                  = var.office_name
    OFFICE_SHORT_NAME            = var.office_short_name
    CONTACT_EMAIL                = var.contact_email
    PIC_PHONE                    = var.pic_phone
    PIC_WHATSAPP                 = var.pic_whatsapp
    LOGO_URL                     = var.logo_url
  }
  set_environment = { for name, value in local.environment : name => value if value != "" }

  # Secret settings => Secret Manager secret IDs (module "secrets"). Values never enter Terraform.
  # SIGNING_KEY and ZOOM_CLIENT_SECRET are required by every target at start-up (settings.PRODUCTION_REQUIRED).
  secret_ids = {
    SIGNING_KEY           = "vicon-signing-key"
    ZOOM_CLIENT_SECRET    = "vicon-zoom-client-secret"
    ZOOM_WEBHOOK_SECRET   = "vicon-zoom-webhook-secret"
    SMTP_PASSWORD         = "vicon-smtp-password"
    SIGNING_KEYS_PREVIOUS = "vicon-signing-keys-previous"
  }
  # The secrets that must have an enabled version before the functions can start (make deploy checks).
  required_secrets = concat(
    ["SIGNING_KEY", "ZOOM_CLIENT_SECRET", "ZOOM_WEBHOOK_SECRET"],
    var.smtp_username != "" ? ["SMTP_PASSWORD"] : [],
    var.use_previous_signing_keys ? ["SIGNING_KEYS_PREVIOUS"] : [],
  )
  function_secrets = {
    for target, spec in local.targets : target => merge(
      { SIGNING_KEY = module.secrets["SIGNING_KEY"].secret_id, ZOOM_CLIENT_SECRET = module.secrets["ZOOM_CLIENT_SECRET"].secret_id },
      spec.webhook ? { ZOOM_WEBHOOK_SECRET = module.secrets["ZOOM_WEBHOOK_SECRET"].secret_id } : {},
      spec.mail && var.smtp_username != "" ? { SMTP_PASSWORD = module.secrets["SMTP_PASSWORD"].secret_id } : {},
      var.use_previous_signing_keys ? { SIGNING_KEYS_PREVIOUS = module.secrets["SIGNING_KEYS_PREVIOUS"].secret_id } : {},
    )
  }
}
