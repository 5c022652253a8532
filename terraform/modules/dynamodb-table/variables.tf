variable "table_name" {
  description = "Name of the table."
  type        = string

  validation {
    condition     = length(var.table_name) >= 3 && length(var.table_name) <= 255 && can(regex("^[A-Za-z0-9_.-]+$", var.table_name))
    error_message = "The table_name must be 3-255 characters of letters, digits, underscore, hyphen and dot."
  }
}

variable "hash_key" {
  description = "Partition key attribute (type S)."
  type        = string
  default     = "pk"
}

variable "range_key" {
  description = "Sort key attribute (type S); empty for a table without one."
  type        = string
  default     = "sk"
}

variable "global_secondary_indexes" {
  description = "GSIs: list of maps with name, hash_key, optional range_key, optional projection_type (ALL, KEYS_ONLY or INCLUDE; default ALL) and optional non_key_attributes (comma-separated, for INCLUDE). GSI key attributes are strings."
  type        = list(map(string))
  default     = []

  validation {
    condition = alltrue([
      for g in var.global_secondary_indexes :
      can(regex("^[A-Za-z0-9_.-]{3,255}$", g["name"])) && lookup(g, "hash_key", "") != "" &&
      contains(["ALL", "KEYS_ONLY", "INCLUDE"], lookup(g, "projection_type", "ALL"))
    ])
    error_message = "Each GSI needs a name (3-255 characters of letters, digits, _.-), a hash_key and a projection_type of ALL, KEYS_ONLY or INCLUDE."
  }
}

variable "point_in_time_recovery" {
  description = "Enable point-in-time recovery (continuous backups)."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Enable deletion protection."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for server-side encryption. Empty: the AWS managed key aws/dynamodb (encryption is always on)."
  type        = string
  default     = ""
}

variable "ttl_attribute" {
  description = "Attribute holding an expiry timestamp (TTL); empty: TTL off."
  type        = string
  default     = ""
}

variable "tags" {
  description = "Tags for the table."
  type        = map(string)
  default     = {}
}
