variable "function_name" {
  description = "Name of the Lambda function (its log group is /aws/lambda/NAME)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "The function_name must be 1-64 characters of letters, digits, hyphen and underscore."
  }
}

variable "consumer_account_id" {
  description = "AWS account id of the consumer account (where the function runs)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.consumer_account_id))
    error_message = "The consumer_account_id must be exactly 12 digits."
  }
}

variable "region" {
  description = "Region of the function (and of its log group)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.region))
    error_message = "The region must be a region name such as us-east-1."
  }
}

variable "partition" {
  description = "AWS partition."
  type        = string
  default     = "aws"

  validation {
    condition     = contains(["aws", "aws-cn", "aws-us-gov"], var.partition)
    error_message = "The partition must be one of aws, aws-cn or aws-us-gov."
  }
}

variable "main_role_arns" {
  description = "Exact ARNs of the main-account roles the function may assume (sts:AssumeRole is allowed on these only)."
  type        = list(string)

  validation {
    condition     = length(var.main_role_arns) > 0
    error_message = "The main_role_arns list must name at least one role."
  }

  validation {
    condition = alltrue([
      for arn in var.main_role_arns : can(regex("^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", arn))
    ])
    error_message = "Each main role must be an IAM role ARN such as arn:aws:iam::111111111111:role/NAME, without wildcards."
  }
}

variable "enable_tag_session" {
  description = "Also allow sts:TagSession on the main roles (needed when the function passes session tags)."
  type        = bool
  default     = false
}

variable "role_arn" {
  description = "ROLE_ARN given to the function. Empty: the first of main_role_arns."
  type        = string
  default     = ""
}

variable "external_id" {
  description = "EXTERNAL_ID given to the function (empty: not set)."
  type        = string
  default     = ""

  validation {
    # Terraform's regex engine caps repetition counts at 1000, so the length is checked apart.
    condition     = var.external_id == "" || (length(var.external_id) >= 2 && length(var.external_id) <= 1224 && can(regex("^[A-Za-z0-9+=,.@:/_-]+$", var.external_id)))
    error_message = "The external_id must be empty or 2-1224 characters of letters, digits and +=,.@:/_-."
  }
}

variable "role_session_name" {
  description = "ROLE_SESSION_NAME given to the function (empty: not set, the function picks its own)."
  type        = string
  default     = ""

  validation {
    condition     = var.role_session_name == "" || can(regex("^[A-Za-z0-9+=,.@_-]{2,64}$", var.role_session_name))
    error_message = "The role_session_name must be empty or 2-64 characters of letters, digits and +=,.@_-."
  }
}

variable "session_duration_seconds" {
  description = "SESSION_DURATION_SECONDS given to the function; 0: not set (the SDK default, 3600). AWS caps a session assumed with Lambda execution-role credentials (role chaining) at 3600."
  type        = number
  default     = 0

  validation {
    condition     = var.session_duration_seconds == 0 || (var.session_duration_seconds >= 900 && var.session_duration_seconds <= 3600 && floor(var.session_duration_seconds) == var.session_duration_seconds)
    error_message = "The session_duration_seconds must be 0 (unset) or a whole number from 900 to 3600: role chaining from a Lambda execution role is capped at one hour."
  }
}

variable "table_region" {
  description = "TABLE_REGION given to the function (empty: not set, the function uses its own region)."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^([a-z]{2}(-[a-z]+)+-[0-9]+)?$", var.table_region))
    error_message = "The table_region must be empty or a region name such as eu-west-1."
  }
}

variable "default_table" {
  description = "DEFAULT_TABLE given to the function (empty: not set)."
  type        = string
  default     = ""

  validation {
    condition     = var.default_table == "" || (length(var.default_table) >= 3 && length(var.default_table) <= 255 && can(regex("^[A-Za-z0-9_.-]+$", var.default_table)))
    error_message = "The default_table must be empty or a DynamoDB table name (3-255 characters of letters, digits, underscore, hyphen and dot)."
  }
}

variable "scheduled_request" {
  description = "SCHEDULED_REQUEST: the JSON request object a scheduled run executes, e.g. {\"op\":\"scan\",\"table\":\"orders\",\"select\":\"count\"} (empty: none)."
  type        = string
  default     = ""

  validation {
    condition     = var.scheduled_request == "" || can(keys(jsondecode(var.scheduled_request)))
    error_message = "The scheduled_request must be empty or a JSON object."
  }
}

variable "extra_environment" {
  description = "More environment variables for the function (e.g. RUST_LOG). Cannot override the ones above."
  type        = map(string)
  default     = {}
}
