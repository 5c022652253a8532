# Inputs shared with modules/cross-account-policies are passed straight through; their
# validation happens there.

variable "environment" {
  description = "Environment name (dev, stage, prod...). Part of the default role name."
  type        = string
}

variable "main_account_id" {
  description = "AWS account id of this (main) account."
  type        = string
}

variable "consumer_account_id" {
  description = "AWS account id of the consumer account."
  type        = string
}

variable "partition" {
  description = "AWS partition."
  type        = string
  default     = "aws"
}

variable "default_region" {
  description = "Region of every table whose entry leaves region empty."
  type        = string
}

variable "role_name" {
  description = "Overrides the default role name {environment}-ddb_cross_acc_access_role-{consumer_account_id}."
  type        = string
  default     = ""
}

variable "role_path" {
  description = "IAM path of the role and of its policies."
  type        = string
  default     = "/"
}

variable "trust_mode" {
  description = "\"principal\" (trust exactly trusted_principal_arns; apply the consumer first) or \"account\" (trust the consumer account with an aws:PrincipalArn condition; either order)."
  type        = string
  default     = "principal"
}

variable "trusted_principal_arns" {
  description = "Consumer principals (the function's execution role ARN) allowed to assume the role."
  type        = list(string)
}

variable "external_id" {
  description = "ExternalId required by the trust policy (empty: no condition)."
  type        = string
  default     = ""
}

variable "enable_tag_session" {
  description = "Also allow sts:TagSession."
  type        = bool
  default     = false
}

variable "enable_source_identity" {
  description = "Also allow sts:SetSourceIdentity."
  type        = bool
  default     = false
}

variable "max_session_duration" {
  description = "Maximum session duration in seconds (3600-43200)."
  type        = number
  default     = 3600
}

variable "permissions_boundary" {
  description = "ARN of a permissions boundary policy for the role (empty: none)."
  type        = string
  default     = ""
}

variable "tables" {
  description = "Tables to grant: list of maps with table_name, access_type (Read | ReadWriteUpdate | Full) and optional region."
  type        = list(map(string))
}

variable "tags" {
  description = "Tags for the role and its policies."
  type        = map(string)
  default     = {}
}
