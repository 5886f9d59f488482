# ZOOM_CLIENT_SECRET, ZOOM_WEBHOOK_SECRET, SMTP_PASSWORD, SIGNING_KEY (and SIGNING_KEYS_PREVIOUS during a key
# rotation): secrets without versions. Their values are added outside Terraform (`gcloud secrets versions add`,
# README "Deploy"), so they are in no plan, state file or log of this configuration.
module "secrets" {
  source     = "./modules/secret"
  for_each   = local.secret_ids
  project_id = var.project_id
  secret_id  = each.value
  location   = var.region
  labels     = local.labels

  depends_on = [google_project_service.apis]
}
