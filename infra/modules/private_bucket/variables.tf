variable "project_id" {
  type        = string
  description = "The Google Cloud project that owns the bucket."
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a Google Cloud project ID (6-30 lowercase letters, digits and hyphens)."
  }
}

variable "name" {
  type        = string
  description = "The bucket's globally unique name."
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$", var.name))
    error_message = "name must be 3-63 lowercase letters, digits, hyphens or underscores, starting and ending with a letter or digit."
  }
}

variable "location" {
  type        = string
  description = "Where the objects live: a region (asia-southeast2 is Jakarta), so the data stays in Indonesia."
  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.location))
    error_message = "location must be a single region such as asia-southeast2."
  }
}

variable "delete_after_days" {
  type        = map(number)
  description = "Lifecycle safety net: key prefix => delete objects under it this many days after they were written (\"\" is the whole bucket)."
  validation {
    condition     = alltrue([for prefix, days in var.delete_after_days : days >= 1 && floor(days) == days && !startswith(prefix, "/")])
    error_message = "Each age must be a whole number of days >= 1, and prefixes must not start with a slash."
  }
}

variable "soft_delete_seconds" {
  type        = number
  description = "How long deleted objects stay restorable (0 turns soft delete off: a retention deletion is then final at once)."
  validation {
    condition     = var.soft_delete_seconds == 0 || (var.soft_delete_seconds >= 604800 && var.soft_delete_seconds <= 7776000)
    error_message = "soft_delete_seconds must be 0 or between 7 and 90 days (604800-7776000), as Cloud Storage allows."
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
