variable "environment" {
  description = "Environment name (dev, stage, prod, local...): part of every name (modules/conventions checks its format)."
  type        = string
  nullable    = false
}

variable "consumer_account_id" {
  description = "Account id of this (consumer) account: where the function runs."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]{12}$", var.consumer_account_id))
    error_message = "The consumer_account_id must be exactly 12 digits."
  }
}

variable "main_account_id" {
  description = "Account id of the main account: where the role the function assumes is."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]{12}$", var.main_account_id))
    error_message = "The main_account_id must be exactly 12 digits."
  }
}

variable "region" {
  description = "Region of the function (the provider's region)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.region))
    error_message = "The region must be a region name such as us-east-1."
  }
}

variable "function" {
  description = "The function. zip_path: the zip (bootstrap at its root). architecture: arm64 or x86_64, as built. memory_size (MB), timeout (s), reserved_concurrency (null: unreserved), tracing_mode (PassThrough or Active; Active grants xray:PutTraceSegments and xray:PutTelemetryRecords), log_level (Lambda's JSON application log level), log_retention_days, kms_key_arn (environment and log group; null: AWS managed keys), permissions_boundary (for its roles; null: none), default_table and table_region (DEFAULT_TABLE, TABLE_REGION; null: unset), allow_writes (ALLOW_WRITES: lets put / update / delete / batch_write / transact_write run; false by default, so a read-only deployment cannot write even if its role could), extra_environment (more variables; cannot override the ones this module sets)."
  type = object({
    zip_path             = string
    architecture         = optional(string, "arm64")
    memory_size          = optional(number, 128)
    timeout              = optional(number, 30)
    reserved_concurrency = optional(number)
    tracing_mode         = optional(string, "PassThrough")
    log_level            = optional(string, "INFO")
    log_retention_days   = optional(number, 30)
    kms_key_arn          = optional(string)
    permissions_boundary = optional(string)
    default_table        = optional(string)
    table_region         = optional(string)
    allow_writes         = optional(bool, false)
    extra_environment    = optional(map(string), {})
  })
  nullable = false

  validation {
    condition     = fileexists(var.function.zip_path)
    error_message = "The function.zip_path ${var.function.zip_path} does not exist: build it (make zip) or point zip_path at a zip with the bootstrap binary."
  }

  validation {
    condition     = contains(["arm64", "x86_64"], var.function.architecture)
    error_message = "The function.architecture must be arm64 or x86_64."
  }

  validation {
    condition     = var.function.memory_size >= 128 && var.function.memory_size <= 10240
    error_message = "The function.memory_size must be between 128 and 10240 MB."
  }

  validation {
    condition     = var.function.timeout >= 1 && var.function.timeout <= 900
    error_message = "The function.timeout must be between 1 and 900 seconds."
  }

  validation {
    condition     = var.function.reserved_concurrency == null || coalesce(var.function.reserved_concurrency, 0) >= 0
    error_message = "The function.reserved_concurrency must be null (unreserved) or 0 and more."
  }

  validation {
    condition     = contains(["PassThrough", "Active"], var.function.tracing_mode)
    error_message = "The function.tracing_mode must be PassThrough or Active."
  }

  validation {
    condition     = contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], var.function.log_level)
    error_message = "The function.log_level must be one of TRACE, DEBUG, INFO, WARN, ERROR or FATAL."
  }

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.function.log_retention_days)
    error_message = "The function.log_retention_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }

  validation {
    condition = var.function.default_table == null || (
      length(coalesce(var.function.default_table, "-")) >= 3 && length(coalesce(var.function.default_table, "-")) <= 255 &&
      can(regex("^[A-Za-z0-9_.-]+$", coalesce(var.function.default_table, "-")))
    )
    error_message = "The function.default_table must be null (unset) or a DynamoDB table name (3-255 characters of letters, digits, underscore, hyphen and dot)."
  }

  validation {
    condition     = var.function.table_region == null || can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", coalesce(var.function.table_region, "-")))
    error_message = "The function.table_region must be null (the function's region) or a region name such as eu-west-1."
  }
}

variable "assume" {
  description = "How the function assumes the main account's role. role_name: null means naming.json's cross_account_role_name (set it when the main root's role.name is set). extra_role_arns: more main-account roles it may assume (a request's role override). external_id, session_name, session_duration_seconds (900-3600): EXTERNAL_ID, ROLE_SESSION_NAME, SESSION_DURATION_SECONDS; null: unset. source_identity: send the function's name as SourceIdentity (SOURCE_IDENTITY) and allow sts:SetSourceIdentity for it; the main root's trust.source_identity must be on. tag_session: send session_tags (null: naming.json's session_tags: consumer, environment, function) as SESSION_TAGS and allow sts:TagSession for exactly them; the main root's trust.tag_session must be on. Off: SOURCE_IDENTITY / SESSION_TAGS are set to off."
  type = object({
    role_name                = optional(string)
    extra_role_arns          = optional(list(string), [])
    external_id              = optional(string)
    session_name             = optional(string)
    session_duration_seconds = optional(number)
    tag_session              = optional(bool, false)
    session_tags             = optional(map(string))
    source_identity          = optional(bool, false)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.assume.role_name == null || can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", coalesce(var.assume.role_name, "-")))
    error_message = "The assume.role_name must be null (naming.json's name) or 1-64 characters of letters, digits and +=,.@_-."
  }

  validation {
    condition = alltrue([
      for arn in var.assume.extra_role_arns :
      can(regex("^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", arn)) && !strcontains(arn, "*")
    ])
    error_message = "Each of assume.extra_role_arns must be an IAM role ARN such as arn:aws:iam::111111111111:role/NAME, without wildcards."
  }

  validation {
    # Terraform's regex engine caps repetition counts at 1000, so the length is checked apart.
    condition = var.assume.external_id == null || (
      length(coalesce(var.assume.external_id, "-")) >= 2 && length(coalesce(var.assume.external_id, "-")) <= 1224 &&
      can(regex("^[A-Za-z0-9+=,.@:/_-]+$", coalesce(var.assume.external_id, "-")))
    )
    error_message = "The assume.external_id must be null (unset) or 2-1224 characters of letters, digits and +=,.@:/_-."
  }

  validation {
    # STS's session tag rules: at most 50; keys 1-128, values 0-256 characters; no aws: prefix.
    condition = var.assume.session_tags == null || (length(coalesce(var.assume.session_tags, { "-" = "" })) > 0 && length(coalesce(var.assume.session_tags, {})) <= 50 && alltrue([
      for k, v in coalesce(var.assume.session_tags, {}) :
      can(regex("^[\\p{L}\\p{N} _.:/=+@-]{1,128}$", k)) && can(regex("^[\\p{L}\\p{N} _.:/=+@-]{0,256}$", v)) && !startswith(lower(k), "aws:")
    ]))
    error_message = "The assume.session_tags must be null (naming.json's session_tags) or 1-50 tags: keys of 1-128 and values of at most 256 letters, digits, spaces and _.:/=+@-, keys not starting with aws:."
  }

  validation {
    condition     = var.assume.session_name == null || can(regex("^[A-Za-z0-9+=,.@_-]{2,64}$", coalesce(var.assume.session_name, "-")))
    error_message = "The assume.session_name must be null (the function's default) or 2-64 characters of letters, digits and +=,.@_-."
  }

  validation {
    condition = var.assume.session_duration_seconds == null || (
      coalesce(var.assume.session_duration_seconds, 900) >= 900 && coalesce(var.assume.session_duration_seconds, 900) <= 3600 &&
      floor(coalesce(var.assume.session_duration_seconds, 900)) == coalesce(var.assume.session_duration_seconds, 900)
    )
    error_message = "The assume.session_duration_seconds must be null (the SDK default, 3600) or a whole number from 900 to 3600: role chaining from a Lambda execution role is capped at one hour."
  }
}

variable "schedule" {
  description = "EventBridge Scheduler runs the function with request (a JSON object, also set as SCHEDULED_REQUEST) as its event on expression (rate(...), cron(...) or at(...)) in timezone. null: no schedule."
  type = object({
    expression = string
    request    = string
    timezone   = optional(string, "UTC")
  })
  default = null

  validation {
    condition     = var.schedule == null || can(regex("^(rate|cron|at)\\(.+\\)$", try(var.schedule.expression, "")))
    error_message = "The schedule.expression must be a rate(...), cron(...) or at(...) expression."
  }

  validation {
    condition     = var.schedule == null || can(keys(jsondecode(try(var.schedule.request, ""))))
    error_message = "The schedule.request must be a JSON object, e.g. {\"op\":\"scan\",\"table\":\"orders\",\"select\":\"count\"}."
  }
}

variable "tags" {
  description = "Tags for every resource (the provider's default_tags come on top)."
  type        = map(string)
  default     = {}
  nullable    = false
}
