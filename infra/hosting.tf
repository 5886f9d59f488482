# The static site on Firebase Hosting. Terraform owns the Firebase project and the site; the Firebase CLI
# (make deploy) uploads site/ with the configuration tools/hosting.py writes from the outputs below: the
# rewrites of /api/<target> to each function and the security headers of functions/vicon/web.py.
resource "google_firebase_project" "default" {
  provider = google-beta
  project  = var.project_id

  depends_on = [google_project_service.apis]
}

resource "google_firebase_hosting_site" "site" {
  provider = google-beta
  project  = google_firebase_project.default.project
  site_id  = var.hosting_site_id
}

resource "google_firebase_hosting_custom_domain" "site" {
  provider              = google-beta
  count                 = var.custom_domain == "" ? 0 : 1
  project               = google_firebase_project.default.project
  site_id               = google_firebase_hosting_site.site.site_id
  custom_domain         = var.custom_domain
  wait_dns_verification = false
}
