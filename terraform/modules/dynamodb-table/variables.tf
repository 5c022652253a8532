variable "name" {
  description = "Name of the table."
  type        = string
  nullable    = false

  validation {
    condition     = length(var.name) >= 3 && length(var.name) <= 255 && can(regex("^[A-Za-z0-9_.-]+$", var.name))
    error_message = "The name must be 3-255 characters of letters, digits, underscore, hyphen and dot."
  }
}

variable "hash_key" {
  description = "Partition key attribute (type S)."
  type        = string
  default     = "pk"
  nullable    = false
}

variable "range_key" {
  description = "Sort key attribute (type S); null: a table without one."
  type        = string
  default     = "sk"
}

variable "global_secondary_indexes" {
  description = "GSIs by index name: hash_key, range_key (null: none), projection_type (ALL, KEYS_ONLY or INCLUDE) and non_key_attributes (INCLUDE only). GSI key attributes are strings."
  type = map(object({
    hash_key           = string
    range_key          = optional(string)
    projection_type    = optional(string, "ALL")
    non_key_attributes = optional(list(string))
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for name in keys(var.global_secondary_indexes) : can(regex("^[A-Za-z0-9_.-]{3,255}$", name))])
    error_message = "Each GSI name (a key of global_secondary_indexes) must be 3-255 characters of letters, digits, underscore, hyphen and dot."
  }

  validation {
    condition     = alltrue([for g in values(var.global_secondary_indexes) : contains(["ALL", "KEYS_ONLY", "INCLUDE"], g.projection_type)])
    error_message = "Each GSI's projection_type must be ALL, KEYS_ONLY or INCLUDE."
  }

  validation {
    condition     = alltrue([for g in values(var.global_secondary_indexes) : (g.projection_type == "INCLUDE") == (g.non_key_attributes != null)])
    error_message = "A GSI lists non_key_attributes exactly when its projection_type is INCLUDE."
  }
}

variable "point_in_time_recovery" {
  description = "Enable point-in-time recovery (continuous backups)."
  type        = bool
  default     = true
  nullable    = false
}

variable "deletion_protection" {
  description = "Enable deletion protection."
  type        = bool
  default     = true
  nullable    = false
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for server-side encryption. null: the AWS managed key aws/dynamodb (encryption is always on)."
  type        = string
  default     = null
}

variable "ttl_attribute" {
  description = "Attribute holding an expiry timestamp (TTL); null: TTL off."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for the table."
  type        = map(string)
  default     = {}
  nullable    = false
}
