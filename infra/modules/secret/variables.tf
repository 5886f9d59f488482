variable "project_id" {
  type        = string
  description = "The Google Cloud project that owns the secret."
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a Google Cloud project ID (6-30 lowercase letters, digits and hyphens)."
  }
}

variable "secret_id" {
  type        = string
  description = "The secret's ID (vicon-signing-key, ...)."
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,254}$", var.secret_id))
    error_message = "secret_id must be lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "location" {
  type        = string
  description = "The one region the secret's payload is replicated to (data stays in Indonesia)."
  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.location))
    error_message = "location must be a single region such as asia-southeast2."
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
