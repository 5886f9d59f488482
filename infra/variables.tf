# Every setting of functions/vicon/settings.py that is not a secret is a variable here (README "Configuration"
# says what each means). Secrets are never variables: their values go to Secret Manager directly.

# ---- where ----------------------------------------------------------------------------------------------

variable "project_id" {
  type        = string
  description = "The Google Cloud project Vicon runs in (one per regency; decision 0026)."
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a Google Cloud project ID (6-30 lowercase letters, digits and hyphens)."
  }
}

variable "region" {
  type        = string
  description = "Region of the functions, buckets, secrets and scheduler; asia-southeast2 is Jakarta."
  default     = "asia-southeast2"
  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a Google Cloud region such as asia-southeast2."
  }
}

variable "firestore_location" {
  type        = string
  description = "Location of the Firestore database; cannot change once created."
  default     = "asia-southeast2"
  validation {
    condition     = can(regex("^([a-z]+-[a-z]+[0-9]+|nam5|eur3)$", var.firestore_location))
    error_message = "firestore_location must be a region (asia-southeast2) or a multi-region (nam5, eur3)."
  }
}

variable "source_zip" {
  type        = string
  description = "Path of the archive make package built: dist/vicon-functions-<sha256>.zip (the hash names the object)."
  validation {
    condition     = can(regex("(^|/)vicon-functions-[0-9a-f]{64}\\.zip$", var.source_zip))
    error_message = "source_zip must be the archive make package writes: .../vicon-functions-<sha256>.zip."
  }
}

variable "hosting_site_id" {
  type        = string
  description = "Firebase Hosting site ID (globally unique); the site is https://SITE_ID.web.app."
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{4,28}[a-z0-9]$", var.hosting_site_id))
    error_message = "hosting_site_id must be 6-30 lowercase letters, digits and hyphens."
  }
}

variable "custom_domain" {
  type        = string
  description = "Optional domain for the site (vicon.example.go.id); empty keeps SITE_ID.web.app. DNS records are shown in the Firebase console."
  default     = ""
  validation {
    condition     = var.custom_domain == "" || can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,}$", var.custom_domain))
    error_message = "custom_domain must be empty or a lowercase host name such as vicon.majalengkakab.go.id."
  }
}

variable "public_base_url" {
  type        = string
  description = "PUBLIC_BASE_URL, the base of links in mails; empty: https://CUSTOM_DOMAIN or the site's web.app URL."
  default     = ""
  validation {
    condition     = var.public_base_url == "" || can(regex("^https://[a-z0-9.-]+(:[0-9]+)?$", var.public_base_url))
    error_message = "public_base_url must be empty or https://HOST without path, query or trailing slash."
  }
}

variable "trusted_proxy_hops" {
  type        = number
  description = "TRUSTED_PROXY_HOPS: proxies that append to X-Forwarded-For before the function (Firebase Hosting and Google's front end: 2; decisions 0011 and 0025)."
  default     = 2
  validation {
    condition     = var.trusted_proxy_hops >= 1 && var.trusted_proxy_hops <= 5 && floor(var.trusted_proxy_hops) == var.trusted_proxy_hops
    error_message = "trusted_proxy_hops must be a whole number from 1 to 5 (Google's front end is always one)."
  }
}

variable "max_instances" {
  type        = number
  description = "Most instances each public function may scale to (one request per instance at a time)."
  default     = 10
  validation {
    condition     = var.max_instances >= 1 && var.max_instances <= 100 && floor(var.max_instances) == var.max_instances
    error_message = "max_instances must be a whole number from 1 to 100."
  }
}

variable "tick_schedule" {
  type        = string
  description = "Cron schedule (UTC) of the Cloud Scheduler job that POSTs scheduled_tick."
  default     = "* * * * *"
  validation {
    condition     = length(split(" ", var.tick_schedule)) == 5
    error_message = "tick_schedule must be a five-field cron expression such as \"* * * * *\"."
  }
}

variable "letter_lifecycle_days" {
  type        = number
  description = "Safety net: letters are deleted from the bucket this many days after upload (events may be 366 days ahead, so at least 400)."
  default     = 730
  validation {
    condition     = var.letter_lifecycle_days >= 400 && floor(var.letter_lifecycle_days) == var.letter_lifecycle_days
    error_message = "letter_lifecycle_days must be a whole number of at least 400."
  }
}

variable "recording_lifecycle_grace_days" {
  type        = number
  description = "Safety net: recordings are deleted RECORDING_RETENTION_DAYS plus this many days after archiving, should the retention job not have run."
  default     = 7
  validation {
    condition     = var.recording_lifecycle_grace_days >= 1 && var.recording_lifecycle_grace_days <= 30 && floor(var.recording_lifecycle_grace_days) == var.recording_lifecycle_grace_days
    error_message = "recording_lifecycle_grace_days must be a whole number from 1 to 30."
  }
}

variable "use_previous_signing_keys" {
  type        = bool
  description = "Expose SIGNING_KEYS_PREVIOUS (secret vicon-signing-keys-previous, which then needs a version) while a key rotation is under way."
  default     = false
  nullable    = false
  validation {
    condition     = var.use_previous_signing_keys != null
    error_message = "use_previous_signing_keys must be true or false."
  }
}

# ---- mail -----------------------------------------------------------------------------------------------

variable "mail_from" {
  type        = string
  description = "MAIL_FROM, e.g. \"Vicon Diskominfo <vicon@majalengkakab.go.id>\"; its domain names every Message-ID."
  validation {
    condition     = can(regex("^[^\\r\\n,]*<?[^@\\s<>,]+@[a-z0-9.-]+\\.[a-z]{2,}>?$", var.mail_from))
    error_message = "mail_from must be one address, optionally with a display name: Name <user@domain>."
  }
}

variable "verifier_emails" {
  type        = list(string)
  description = "VERIFIER_EMAILS: the technical team who review requests."
  validation {
    condition     = length(var.verifier_emails) > 0 && alltrue([for email in var.verifier_emails : can(regex("^[^@\\s,]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$", email))])
    error_message = "verifier_emails must list at least one address."
  }
}

variable "supervisor_emails" {
  type        = list(string)
  description = "SUPERVISOR_EMAILS: the Kepala Bidang (escalations, complaints, recordings without consent)."
  validation {
    condition     = length(var.supervisor_emails) > 0 && alltrue([for email in var.supervisor_emails : can(regex("^[^@\\s,]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$", email))])
    error_message = "supervisor_emails must list at least one address."
  }
}

variable "operator_emails" {
  type        = list(string)
  description = "OPERATOR_EMAILS: the authorised officers who host meetings (the only ones who get officer links)."
  validation {
    condition     = length(var.operator_emails) > 0 && alltrue([for email in var.operator_emails : can(regex("^[^@\\s,]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$", email))])
    error_message = "operator_emails must list at least one address."
  }
}

variable "smtp_host" {
  type        = string
  description = "SMTP_HOST: the regency's mail server or a provider's submission host."
  validation {
    condition     = can(regex("^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$", var.smtp_host))
    error_message = "smtp_host must be a host name or address."
  }
}

variable "smtp_port" {
  type        = number
  description = "SMTP_PORT; 0 takes the security's default (25, 587 for starttls, 465 for ssl). Cloud Run blocks outbound port 25."
  default     = 0
  validation {
    condition     = var.smtp_port == 0 || (var.smtp_port >= 1 && var.smtp_port <= 65535 && var.smtp_port != 25)
    error_message = "smtp_port must be 0 (the default) or a port other than 25, which Google Cloud blocks outbound."
  }
}

variable "smtp_security" {
  type        = string
  description = "SMTP_SECURITY: starttls or ssl (none sends the password in clear text over the internet, so it is refused here)."
  default     = "starttls"
  validation {
    condition     = contains(["starttls", "ssl"], var.smtp_security)
    error_message = "smtp_security must be starttls or ssl."
  }
}

variable "smtp_username" {
  type        = string
  description = "SMTP_USERNAME; when set, the functions that send mail also get SMTP_PASSWORD (secret vicon-smtp-password)."
  default     = ""
  validation {
    condition     = length(var.smtp_username) <= 256 && !can(regex("[\\r\\n]", var.smtp_username))
    error_message = "smtp_username must be one line of at most 256 characters."
  }
}

# ---- Zoom -----------------------------------------------------------------------------------------------

variable "zoom_account_id" {
  type        = string
  description = "ZOOM_ACCOUNT_ID of the Server-to-Server OAuth app (its secret is the secret vicon-zoom-client-secret)."
  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{8,64}$", var.zoom_account_id))
    error_message = "zoom_account_id must be the app's Account ID (letters, digits, _ and -)."
  }
}

variable "zoom_client_id" {
  type        = string
  description = "ZOOM_CLIENT_ID of the Server-to-Server OAuth app."
  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{8,64}$", var.zoom_client_id))
    error_message = "zoom_client_id must be the app's Client ID (letters, digits, _ and -)."
  }
}

variable "zoom_hosts" {
  type = list(object({
    user     = string
    capacity = number
  }))
  description = "ZOOM_HOSTS: the licensed users meetings are created on, each with its participant limit."
  validation {
    condition     = length(var.zoom_hosts) > 0 && alltrue([for host in var.zoom_hosts : can(regex("^[^\\s,:]+$", host.user)) && host.capacity >= 2 && floor(host.capacity) == host.capacity])
    error_message = "zoom_hosts must list at least one user (an email or Zoom user ID, no commas or colons) with a whole capacity >= 2."
  }
}

# ---- rules ----------------------------------------------------------------------------------------------

variable "timezone" {
  type        = string
  description = "TIMEZONE of the office (Asia/Jakarta, Asia/Makassar, Asia/Jayapura)."
  default     = "Asia/Jakarta"
  validation {
    condition     = can(regex("^[A-Za-z]+(/[A-Za-z_+-]+)+$", var.timezone))
    error_message = "timezone must be an IANA zone name such as Asia/Jakarta."
  }
}

variable "min_lead_working_days" {
  type        = number
  description = "MIN_LEAD_WORKING_DAYS: the standard's H-2."
  default     = 2
  validation {
    condition     = var.min_lead_working_days >= 0 && var.min_lead_working_days <= 30 && floor(var.min_lead_working_days) == var.min_lead_working_days
    error_message = "min_lead_working_days must be a whole number from 0 to 30."
  }
}

variable "recording_retention_days" {
  type        = number
  description = "RECORDING_RETENTION_DAYS: how long archived recordings are kept after the event."
  default     = 30
  validation {
    condition     = var.recording_retention_days >= 1 && var.recording_retention_days <= 365 && floor(var.recording_retention_days) == var.recording_retention_days
    error_message = "recording_retention_days must be a whole number from 1 to 365."
  }
}

variable "host_buffer_minutes" {
  type        = number
  description = "HOST_BUFFER_MINUTES kept free on a host before and after each meeting."
  default     = 30
  validation {
    condition     = var.host_buffer_minutes >= 0 && var.host_buffer_minutes <= 240 && floor(var.host_buffer_minutes) == var.host_buffer_minutes
    error_message = "host_buffer_minutes must be a whole number from 0 to 240."
  }
}

variable "trusted_signature_roots" {
  type        = list(string)
  description = "TRUSTED_SIGNATURE_ROOTS: certificate files (PEM or DER, paths inside the deployed source, e.g. vicon/data/root-ca-indonesia.pem) whose chains make a letter's electronic signature trusted."
  default     = []
  validation {
    condition     = alltrue([for path in var.trusted_signature_roots : can(regex("^[A-Za-z0-9_./-]+$", path)) && !strcontains(path, "..")])
    error_message = "trusted_signature_roots entries must be plain relative paths (letters, digits, _ . / -, no ..)."
  }
}

variable "office_hours" {
  type        = string
  description = "OFFICE_HOURS on working days (HH:MM-HH:MM, local time in TIMEZONE): the hours the SLA clocks count."
  default     = "08:00-16:00"
  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$", var.office_hours))
    error_message = "office_hours must look like 08:00-16:00."
  }
}

variable "office_hours_friday" {
  type        = string
  description = "OFFICE_HOURS_FRIDAY when Friday's hours differ (HH:MM-HH:MM); empty for the same as office_hours."
  default     = ""
  validation {
    condition     = var.office_hours_friday == "" || can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$", var.office_hours_friday))
    error_message = "office_hours_friday must be empty or look like 07:30-16:30."
  }
}

variable "extra_holidays" {
  type        = list(string)
  description = "EXTRA_HOLIDAYS: local days off (YYYY-MM-DD) on top of the national holidays and cuti bersama."
  default     = []
  validation {
    condition     = alltrue([for day in var.extra_holidays : can(regex("^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", day))])
    error_message = "extra_holidays must be dates as YYYY-MM-DD."
  }
}

variable "extra_working_days" {
  type        = list(string)
  description = "EXTRA_WORKING_DAYS: days that are working days after all (YYYY-MM-DD)."
  default     = []
  validation {
    condition     = alltrue([for day in var.extra_working_days : can(regex("^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", day))])
    error_message = "extra_working_days must be dates as YYYY-MM-DD."
  }
}

variable "submit_rate_limit" {
  type        = string
  description = "SUBMIT_RATE_LIMIT per contact address, COUNT/UNIT."
  default     = "10/hour"
  validation {
    condition     = can(regex("^[1-9][0-9]*/([1-9][0-9]*)?(second|minute|hour|day)s?$", var.submit_rate_limit))
    error_message = "submit_rate_limit must look like 10/hour or 30/15minute."
  }
}

variable "submit_rate_limit_per_client" {
  type        = string
  description = "SUBMIT_RATE_LIMIT_PER_CLIENT per client IP (offices share one NAT address: keep it high)."
  default     = "120/hour"
  validation {
    condition     = can(regex("^[1-9][0-9]*/([1-9][0-9]*)?(second|minute|hour|day)s?$", var.submit_rate_limit_per_client))
    error_message = "submit_rate_limit_per_client must look like 120/hour."
  }
}

variable "opd_list" {
  type        = string
  description = "OPD_LIST: the regency's perangkat daerah file inside the deployed source (add it under functions/vicon/data/); empty keeps the shipped Majalengka list."
  default     = ""
  validation {
    condition     = var.opd_list == "" || can(regex("^vicon/data/[A-Za-z0-9._-]+\\.txt$", var.opd_list))
    error_message = "opd_list must be empty or vicon/data/NAME.txt (a file shipped in functions/vicon/data/)."
  }
}

# ---- identity -------------------------------------------------------------------------------------------

variable "regency_name" {
  type        = string
  description = "REGENCY_NAME shown on every page and mail (Kabupaten ..., Kota ...); empty keeps Kabupaten Majalengka."
  default     = ""
  validation {
    condition     = length(var.regency_name) <= 200 && !can(regex("[\\r\\n]", var.regency_name))
    error_message = "regency_name must be one line of at most 200 characters."
  }
}

variable "office_name" {
  type        = string
  description = "OFFICE_NAME in full; empty: Dinas Komunikasi dan Informatika <regency_name>."
  default     = ""
  validation {
    condition     = length(var.office_name) <= 200 && !can(regex("[\\r\\n]", var.office_name))
    error_message = "office_name must be one line of at most 200 characters."
  }
}

variable "office_short_name" {
  type        = string
  description = "OFFICE_SHORT_NAME; empty keeps Diskominfo."
  default     = ""
  validation {
    condition     = length(var.office_short_name) <= 200 && !can(regex("[\\r\\n]", var.office_short_name))
    error_message = "office_short_name must be one line of at most 200 characters."
  }
}

variable "contact_email" {
  type        = string
  description = "CONTACT_EMAIL for complaints and help, in every footer."
  default     = ""
  validation {
    condition     = var.contact_email == "" || can(regex("^[^@\\s,]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$", var.contact_email))
    error_message = "contact_email must be empty or one address."
  }
}

variable "pic_phone" {
  type        = string
  description = "PIC_PHONE, an Indonesian number (08..., +62...); empty: not shown."
  default     = ""
  validation {
    condition     = var.pic_phone == "" || can(regex("^(\\+62|62|0)[0-9 -]{7,16}$", var.pic_phone))
    error_message = "pic_phone must be empty or an Indonesian number such as 0812 3456 7890 or +62233281234."
  }
}

variable "pic_whatsapp" {
  type        = string
  description = "PIC_WHATSAPP, an Indonesian number; empty: not shown."
  default     = ""
  validation {
    condition     = var.pic_whatsapp == "" || can(regex("^(\\+62|62|0)[0-9 -]{7,16}$", var.pic_whatsapp))
    error_message = "pic_whatsapp must be empty or an Indonesian number such as 0812 3456 7890."
  }
}

variable "logo_url" {
  type        = string
  description = "LOGO_URL: an https:// URL (its origin joins the pages' img-src, in the functions and in the Hosting headers) or a path under the site."
  default     = ""
  validation {
    condition     = var.logo_url == "" || can(regex("^(https://[A-Za-z0-9.-]+(:[0-9]+)?/[^\\s\"'<>;,]*|[A-Za-z0-9_-][A-Za-z0-9._/-]*)$", var.logo_url))
    error_message = "logo_url must be empty, an https:// URL, or a path under the site such as assets/logo.svg."
  }
}
