# Terraform >= 1.11: the functions get their secrets through Secret Manager, never through state, and write-only
# attributes (secret_data_wo) are available should a secret ever be managed here (decision 0025).
terraform {
  required_version = ">= 1.11"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 7.0"
    }
    # Firebase (the project, the Hosting site) is only in the beta provider.
    google-beta = {
      source  = "hashicorp/google-beta"
      version = "~> 7.0"
    }
  }

  # The state lives in a bucket of the project itself; `make deploy` passes bucket and prefix
  # (-backend-config), creating the bucket (versioned) on the first run.
  backend "gcs" {}
}

provider "google" {
  project = var.project_id
  region  = var.region
}

# Firebase's APIs bill the project they act on, not the caller's quota project.
provider "google-beta" {
  project               = var.project_id
  region                = var.region
  user_project_override = true
  billing_project       = var.project_id
}
