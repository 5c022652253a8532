# The inputs are the modules' own: each object below goes to modules/cross-account-role (or
# modules/dynamodb-table) as it is, where its attributes are described, defaulted and validated.

variable "environment" {
  description = "Environment name (dev, stage, prod, local...): part of every name (naming.json)."
  type        = string
}

variable "region" {
  description = "The provider's region: tables that name none live here (IAM itself is global)."
  type        = string
  default     = "us-east-1"
}

variable "main_account_id" {
  description = "This account's id: the provider refuses credentials of any other account."
  type        = string
}

variable "consumer_account_id" {
  description = "The consumer account's id."
  type        = string
}

variable "access_mode" {
  description = "How the consumer reaches the tables: \"assume_role\" (the cross-account role), \"resource_policy\" (each table's resource-based policy names the consumer's execution role; no role) or \"both\" (while migrating). The consumer root's access.mode must match."
  type        = string
  default     = "assume_role"
  nullable    = false

  validation {
    condition     = contains(["assume_role", "resource_policy", "both"], var.access_mode)
    error_message = "The access_mode must be \"assume_role\", \"resource_policy\" or \"both\"."
  }
}

variable "role" {
  description = "modules/cross-account-role's role input: name (null: naming.json's), path, permissions_boundary."
  type = object({
    name                 = optional(string)
    path                 = optional(string)
    permissions_boundary = optional(string)
  })
  default = {}
}

variable "trust" {
  description = "modules/cross-account-role's trust input: mode (principal: apply the consumer root first; account: either order), principal_arns, external_id, tag_session, session_tags, source_identity, source_identities, max_session_duration."
  type = object({
    mode                 = optional(string)
    principal_arns       = optional(list(string))
    external_id          = optional(string)
    tag_session          = optional(bool)
    source_identity      = optional(bool)
    source_identities    = optional(list(string))
    session_tags         = optional(map(string))
    max_session_duration = optional(number)
  })
  default = {}
}

variable "tables" {
  description = "modules/cross-account-role's tables input: by table name, access_type (Read, ReadWriteUpdate, Full), region (null: var.region), replica_regions (a global table's other regions; assume_role mode only) and kms_key_arn (the table's customer-managed key; null: none)."
  type = map(object({
    access_type     = string
    region          = optional(string)
    replica_regions = optional(list(string), [])
    kms_key_arn     = optional(string)
  }))
}

variable "demo_kms_keys" {
  description = "Customer-managed KMS keys to create for demo tables (kms.tf), one per table name; each key policy delegates to this account's IAM. grant: the key becomes that tables entry's kms_key_arn (false: the table is encrypted with it but the role is not granted it). Empty: none."
  type = map(object({
    grant = optional(bool, true)
  }))
  default  = {}
  nullable = false
}

variable "demo_table" {
  description = "A demo table to create in this account (modules/dynamodb-table: name, global_secondary_indexes, deletion_protection); null: none."
  type = object({
    name = string
    global_secondary_indexes = optional(map(object({
      hash_key           = string
      range_key          = optional(string)
      projection_type    = optional(string)
      non_key_attributes = optional(list(string))
    })))
    deletion_protection = optional(bool)
  })
  default = null
}

variable "tags" {
  description = "Extra tags for every resource (on top of Environment, ManagedBy and Project)."
  type        = map(string)
  default     = {}
}
