variable "project_id" {
  type        = string
  description = "The Google Cloud project."
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a Google Cloud project ID (6-30 lowercase letters, digits and hyphens)."
  }
}

variable "region" {
  type        = string
  description = "The region the function runs in."
  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a Google Cloud region such as asia-southeast2."
  }
}

variable "name" {
  type        = string
  description = "The function's (and its Cloud Run service's) name: the target in kebab-case."
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,23}[a-z0-9]$", var.name))
    error_message = "name must be kebab-case, 2-25 characters (its service account is vc-NAME, at most 30)."
  }
}

variable "entry_point" {
  type        = string
  description = "The Python function in main.py, as functions_framework names the target."
  validation {
    condition     = can(regex("^[a-z][a-z0-9_]*$", var.entry_point))
    error_message = "entry_point must be a Python function name in snake_case."
  }
}

variable "runtime" {
  type        = string
  description = "The Cloud Functions Python runtime."
  validation {
    condition     = can(regex("^python3[0-9]{2}$", var.runtime))
    error_message = "runtime must be a Python runtime such as python311."
  }
}

variable "source_bucket" {
  type        = string
  description = "The bucket holding the source archive."
  validation {
    condition     = length(var.source_bucket) >= 3
    error_message = "source_bucket must name a bucket."
  }
}

variable "source_object" {
  type        = string
  description = "The source archive's object name, vicon-functions-<sha256>.zip."
  validation {
    condition     = can(regex("^vicon-functions-[0-9a-f]{64}\\.zip$", var.source_object))
    error_message = "source_object must be the archive make package builds: vicon-functions-<sha256>.zip."
  }
}

variable "build_service_account_id" {
  type        = string
  description = "The dedicated build account (projects/P/serviceAccounts/EMAIL)."
  validation {
    condition     = can(regex("^projects/[^/]+/serviceAccounts/[^/]+@[^/]+$", var.build_service_account_id))
    error_message = "build_service_account_id must be projects/PROJECT/serviceAccounts/EMAIL."
  }
}

variable "docker_repository_id" {
  type        = string
  description = "The Artifact Registry repository (with its cleanup policy) the build pushes the image to."
  validation {
    condition     = can(regex("^projects/[^/]+/locations/[^/]+/repositories/[^/]+$", var.docker_repository_id))
    error_message = "docker_repository_id must be projects/PROJECT/locations/REGION/repositories/NAME."
  }
}

variable "memory" {
  type        = string
  description = "Memory of one instance (256Mi, 512Mi, 1Gi, ...)."
  validation {
    condition     = contains(["256Mi", "512Mi", "1Gi", "2Gi", "4Gi"], var.memory)
    error_message = "memory must be one of 256Mi, 512Mi, 1Gi, 2Gi, 4Gi."
  }
}

variable "timeout_seconds" {
  type        = number
  description = "How long one request may run."
  validation {
    condition     = var.timeout_seconds >= 10 && var.timeout_seconds <= 3600
    error_message = "timeout_seconds must be between 10 and 3600 (the limit of gen-2 HTTP functions)."
  }
}

variable "max_instances" {
  type        = number
  description = "The most instances the function may scale to (each serves one request at a time)."
  validation {
    condition     = var.max_instances >= 1 && var.max_instances <= 100
    error_message = "max_instances must be between 1 and 100."
  }
}

variable "environment" {
  type        = map(string)
  description = "Plain environment variables (the settings of functions/vicon/settings.py that are not secrets)."
  validation {
    condition     = alltrue([for name, value in var.environment : can(regex("^[A-Z][A-Z0-9_]*$", name)) && value != ""])
    error_message = "Environment variable names must be UPPER_SNAKE_CASE and values non-empty (leave unset ones out)."
  }
}

variable "secrets" {
  type        = map(string)
  description = "Environment variable => Secret Manager secret ID, exposed as secret_environment_variables (latest version)."
  validation {
    condition     = alltrue([for name, secret in var.secrets : can(regex("^[A-Z][A-Z0-9_]*$", name)) && can(regex("^[a-z][a-z0-9-]+$", secret))])
    error_message = "Keys must be UPPER_SNAKE_CASE variable names and values secret IDs."
  }
}

variable "invokers" {
  type        = list(string)
  description = "Who may invoke the function: allUsers for the public targets, serviceAccount:... for the scheduler."
  validation {
    condition     = length(var.invokers) > 0 && alltrue([for member in var.invokers : member == "allUsers" || startswith(member, "serviceAccount:")])
    error_message = "invokers must list allUsers or service accounts (serviceAccount:EMAIL), at least one."
  }
}

variable "project_roles" {
  type        = list(string)
  description = "Project-level roles of the function's account (Firestore access: roles/datastore.user or roles/datastore.viewer)."
  validation {
    condition     = alltrue([for role in var.project_roles : contains(["roles/datastore.user", "roles/datastore.viewer"], role)])
    error_message = "Only the Firestore roles roles/datastore.user and roles/datastore.viewer are granted project-wide."
  }
}

variable "bucket_roles" {
  type = list(object({
    bucket = string
    prefix = string
    role   = string
  }))
  description = "Object roles on a bucket, each limited to one key prefix (letters/, recordings/)."
  validation {
    condition = alltrue([
      for grant in var.bucket_roles :
      endswith(grant.prefix, "/") && contains(["roles/storage.objectViewer", "roles/storage.objectUser"], grant.role)
    ])
    error_message = "Each grant needs a prefix ending in / and the role roles/storage.objectViewer or roles/storage.objectUser."
  }
}

variable "labels" {
  type        = map(string)
  description = "Labels for billing reports."
  validation {
    condition     = alltrue([for key, value in var.labels : can(regex("^[a-z][a-z0-9_-]{0,62}$", key)) && can(regex("^[a-z0-9_-]{0,63}$", value))])
    error_message = "Label keys must start with a lowercase letter; keys and values may hold lowercase letters, digits, _ and - (at most 63)."
  }
}

variable "ingress" {
  type        = string
  description = "Where requests may come from: ALLOW_ALL (the public targets, behind Firebase Hosting) or ALLOW_INTERNAL_ONLY (scheduled_tick: Cloud Scheduler of the same project)."
  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_ONLY"], var.ingress)
    error_message = "ingress must be ALLOW_ALL or ALLOW_INTERNAL_ONLY."
  }
}
