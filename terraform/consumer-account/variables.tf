# The inputs are the module's own: each object below goes to modules/consumer-function as it is,
# where its attributes are described, defaulted and validated.

variable "environment" {
  description = "Environment name (dev, stage, prod, local...): part of every name (naming.json)."
  type        = string
}

variable "region" {
  description = "The provider's region: where the function runs."
  type        = string
  default     = "us-east-1"
}

variable "consumer_account_id" {
  description = "This account's id: the provider refuses credentials of any other account."
  type        = string
}

variable "main_account_id" {
  description = "The main account's id: where the role and the tables are."
  type        = string
}

variable "zip_path" {
  description = "The function zip. null: target/lambda/ddb-cross-account-reader/bootstrap.zip of this repository (make zip)."
  type        = string
  default     = null
}

variable "function" {
  description = "modules/consumer-function's function input without zip_path: architecture, memory_size, timeout, reserved_concurrency, tracing_mode, log_level, log_retention_days, kms_key_arn, permissions_boundary, default_table, table_region, allow_writes (ALLOW_WRITES; false: the function refuses writes), extra_environment."
  type = object({
    architecture         = optional(string)
    memory_size          = optional(number)
    timeout              = optional(number)
    reserved_concurrency = optional(number)
    tracing_mode         = optional(string)
    log_level            = optional(string)
    log_retention_days   = optional(number)
    kms_key_arn          = optional(string)
    permissions_boundary = optional(string)
    default_table        = optional(string)
    table_region         = optional(string)
    allow_writes         = optional(bool)
    extra_environment    = optional(map(string))
  })
  default = {}
}

variable "assume" {
  description = "modules/consumer-function's assume input: role_name (null: naming.json's, as the main root names it), extra_role_arns, external_id (the main root's trust.external_id), session_name, session_duration_seconds, source_identity, tag_session, session_tags (both on only when the main root's trust has them on, with the same values)."
  type = object({
    role_name                = optional(string)
    extra_role_arns          = optional(list(string))
    external_id              = optional(string)
    session_name             = optional(string)
    session_duration_seconds = optional(number)
    tag_session              = optional(bool)
    session_tags             = optional(map(string))
    source_identity          = optional(bool)
  })
  default = {}
}

variable "schedule" {
  description = "modules/consumer-function's schedule input: expression, request (JSON object), timezone; null: no schedule."
  type = object({
    expression = string
    request    = string
    timezone   = optional(string)
  })
  default = null
}

variable "tags" {
  description = "Extra tags for every resource (on top of Environment, ManagedBy and Project)."
  type        = map(string)
  default     = {}
}

variable "access" {
  description = "modules/consumer-function's access input: mode (assume_role, resource_policy or both: the main root's access_mode) and tables (the main root's tables map, by name: access_type, region)."
  type = object({
    mode = optional(string)
    tables = optional(map(object({
      access_type = string
      region      = optional(string)
    })))
  })
  default = {}
}
