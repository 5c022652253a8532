variable "environment" {
  description = "Environment name: dev, stage or prod."
  type        = string
}

variable "region" {
  description = "Region of the function."
  type        = string
  default     = "us-east-1"
}

variable "consumer_account_id" {
  description = "This account's id (the provider refuses other accounts)."
  type        = string
}

variable "main_account_id" {
  description = "The main account's id (where the role and tables are)."
  type        = string
}

variable "main_role_name" {
  description = "Name of the main account's role. Empty: {environment}-ddb_cross_acc_access_role-{consumer_account_id}, as the main root creates it."
  type        = string
  default     = ""
}

variable "extra_main_role_arns" {
  description = "More main-account role ARNs the function may assume (with the request's role override)."
  type        = list(string)
  default     = []
}

variable "function_name" {
  description = "Function name. Empty: {environment}-ddb-cross-account-reader (its execution role is NAME-exec, which the main root trusts by default)."
  type        = string
  default     = ""
}

variable "zip_path" {
  description = "The function zip. Empty: target/lambda/ddb-cross-account-reader/bootstrap.zip of this repository (cargo lambda build --release --arm64 --output-format zip)."
  type        = string
  default     = ""
}

variable "architecture" {
  description = "arm64 or x86_64 (must match the build)."
  type        = string
  default     = "arm64"
}

variable "external_id" {
  description = "ExternalId the main role requires (same value as the main root)."
  type        = string
  default     = ""
}

variable "enable_tag_session" {
  description = "Allow sts:TagSession on the main role."
  type        = bool
  default     = false
}

variable "role_session_name" {
  description = "Session name the function uses when assuming the main role (empty: the function's default)."
  type        = string
  default     = ""
}

variable "session_duration_seconds" {
  description = "Session duration the function asks for, 900-3600 (0: SDK default)."
  type        = number
  default     = 0
}

variable "table_region" {
  description = "Region of the tables (empty: the function's region)."
  type        = string
  default     = ""
}

variable "default_table" {
  description = "Table used when a request names none (empty: requests must name one)."
  type        = string
  default     = ""
}

variable "scheduled_request" {
  description = "JSON request the schedule runs, e.g. {\"op\":\"scan\",\"table\":\"orders\",\"select\":\"count\"}."
  type        = string
  default     = ""
}

variable "schedule_expression" {
  description = "EventBridge Scheduler expression (empty: no schedule)."
  type        = string
  default     = ""
}

variable "memory_size" {
  description = "Memory in MB."
  type        = number
  default     = 128
}

variable "timeout" {
  description = "Timeout in seconds."
  type        = number
  default     = 30
}

variable "reserved_concurrency" {
  description = "Reserved concurrency (-1: unreserved)."
  type        = number
  default     = -1
}

variable "tracing_mode" {
  description = "X-Ray: PassThrough or Active."
  type        = string
  default     = "PassThrough"
}

variable "log_retention_days" {
  description = "Log retention in days."
  type        = number
  default     = 30
}

variable "log_level" {
  description = "Application log level."
  type        = string
  default     = "INFO"
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for environment and logs (empty: AWS managed)."
  type        = string
  default     = ""
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}
