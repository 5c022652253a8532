# Inputs shared with modules/consumer-policies are validated there.

variable "function_name" {
  description = "Name of the Lambda function."
  type        = string
}

variable "consumer_account_id" {
  description = "AWS account id of this (consumer) account."
  type        = string
}

variable "region" {
  description = "Region the function is deployed in (the provider's region)."
  type        = string
}

variable "partition" {
  description = "AWS partition."
  type        = string
  default     = "aws"
}

variable "zip_path" {
  description = "Path of the function zip made by `cargo lambda build --release --arm64 --output-format zip` (target/lambda/ddb-cross-account-reader/bootstrap.zip)."
  type        = string
}

variable "architecture" {
  description = "arm64 (default, what --arm64 builds) or x86_64."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "The architecture must be arm64 or x86_64."
  }
}

variable "memory_size" {
  description = "Memory in MB (128-10240)."
  type        = number
  default     = 128

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "The memory_size must be between 128 and 10240 MB."
  }
}

variable "timeout" {
  description = "Timeout in seconds (1-900)."
  type        = number
  default     = 30

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900
    error_message = "The timeout must be between 1 and 900 seconds."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions; -1: unreserved (the account's pool)."
  type        = number
  default     = -1

  validation {
    condition     = var.reserved_concurrency >= -1
    error_message = "The reserved_concurrency must be -1 (unreserved) or 0 and more."
  }
}

variable "tracing_mode" {
  description = "X-Ray tracing: PassThrough (off unless the caller samples) or Active. Active also attaches the AWS managed AWSXRayDaemonWriteAccess policy."
  type        = string
  default     = "PassThrough"

  validation {
    condition     = contains(["PassThrough", "Active"], var.tracing_mode)
    error_message = "The tracing_mode must be PassThrough or Active."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's log group, in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "The log_retention_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "log_level" {
  description = "Application log level Lambda applies to the JSON logs (TRACE, DEBUG, INFO, WARN, ERROR, FATAL)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], var.log_level)
    error_message = "The log_level must be one of TRACE, DEBUG, INFO, WARN, ERROR or FATAL."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for the environment variables and the log group (the key policy must allow CloudWatch Logs). Empty: AWS managed keys."
  type        = string
  default     = ""
}

variable "execution_role_name" {
  description = "Name of the execution role. Empty: {function_name}-exec."
  type        = string
  default     = ""
}

variable "permissions_boundary" {
  description = "Permissions boundary ARN for the execution and scheduler roles (empty: none)."
  type        = string
  default     = ""
}

variable "main_role_arns" {
  description = "Main-account role ARNs the function may assume (sts:AssumeRole only on these)."
  type        = list(string)
}

variable "role_arn" {
  description = "ROLE_ARN for the function. Empty: the first of main_role_arns."
  type        = string
  default     = ""
}

variable "enable_tag_session" {
  description = "Also allow sts:TagSession on the main roles."
  type        = bool
  default     = false
}

variable "external_id" {
  description = "EXTERNAL_ID for the function (empty: not set)."
  type        = string
  default     = ""
}

variable "role_session_name" {
  description = "ROLE_SESSION_NAME for the function (empty: not set)."
  type        = string
  default     = ""
}

variable "session_duration_seconds" {
  description = "SESSION_DURATION_SECONDS for the function, 900-3600 (0: not set)."
  type        = number
  default     = 0
}

variable "table_region" {
  description = "TABLE_REGION for the function (empty: the function's region)."
  type        = string
  default     = ""
}

variable "default_table" {
  description = "DEFAULT_TABLE for the function (empty: not set)."
  type        = string
  default     = ""
}

variable "scheduled_request" {
  description = "JSON request a scheduled run executes, e.g. {\"op\":\"scan\",\"table\":\"orders\",\"select\":\"count\"}. Set as SCHEDULED_REQUEST and used as the schedule's input."
  type        = string
  default     = ""
}

variable "extra_environment" {
  description = "More environment variables (e.g. RUST_LOG)."
  type        = map(string)
  default     = {}
}

variable "schedule_expression" {
  description = "EventBridge Scheduler expression, e.g. rate(1 hour) or cron(0 6 * * ? *). Empty: no schedule."
  type        = string
  default     = ""

  validation {
    condition     = var.schedule_expression == "" || can(regex("^(rate|cron|at)\\(.+\\)$", var.schedule_expression))
    error_message = "The schedule_expression must be empty or a rate(...), cron(...) or at(...) expression."
  }
}

variable "schedule_timezone" {
  description = "Time zone of the schedule expression."
  type        = string
  default     = "UTC"
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
