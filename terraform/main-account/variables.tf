variable "environment" {
  description = "Environment name: dev, stage or prod."
  type        = string
}

variable "region" {
  description = "Default region of the main account (IAM is global; tables without a region live here)."
  type        = string
  default     = "us-east-1"
}

variable "main_account_id" {
  description = "This account's id (the provider refuses other accounts)."
  type        = string
}

variable "consumer_account_id" {
  description = "The consumer account's id."
  type        = string
}

variable "role_name" {
  description = "Overrides the role name (empty: {environment}-ddb_cross_acc_access_role-{consumer_account_id}; the consumer root must then be given the same main_role_name)."
  type        = string
  default     = ""
}

variable "consumer_principal_arns" {
  description = "Principals allowed to assume the role. Empty: the consumer root's execution role, arn:aws:iam::{consumer}:role/{environment}-ddb-cross-account-reader-exec."
  type        = list(string)
  default     = []
}

variable "trust_mode" {
  description = "\"principal\": trust the exact principals (apply the consumer account first). \"account\": trust the consumer account with an aws:PrincipalArn condition (either order)."
  type        = string
  default     = "principal"
}

variable "external_id" {
  description = "ExternalId the function must present; the same value goes to the consumer root. Empty: none."
  type        = string
  default     = ""
}

variable "enable_tag_session" {
  description = "Allow sts:TagSession."
  type        = bool
  default     = false
}

variable "enable_source_identity" {
  description = "Allow sts:SetSourceIdentity."
  type        = bool
  default     = false
}

variable "max_session_duration" {
  description = "Role's maximum session duration in seconds (3600-43200)."
  type        = number
  default     = 3600
}

variable "permissions_boundary" {
  description = "Permissions boundary ARN for the role (empty: none)."
  type        = string
  default     = ""
}

variable "tables" {
  description = "Tables to grant: list of {table_name, access_type = Read | ReadWriteUpdate | Full, region (optional)}."
  type        = list(map(string))
}

variable "create_demo_table" {
  description = "Create a demo table (modules/dynamodb-table) in this account."
  type        = bool
  default     = false
}

variable "demo_table_name" {
  description = "Name of the demo table."
  type        = string
  default     = "orders"
}

variable "demo_table_gsis" {
  description = "GSIs of the demo table (see modules/dynamodb-table)."
  type        = list(map(string))
  default     = []
}

variable "demo_table_deletion_protection" {
  description = "Deletion protection of the demo table."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}
