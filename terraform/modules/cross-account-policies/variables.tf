variable "environment" {
  description = "Environment name (dev, stage, prod, local...). Part of the default role name."
  type        = string

  validation {
    # The default role name is "{environment}-ddb_cross_acc_access_role-{12 digits}": 39 + length
    # characters, and IAM role names stop at 64.
    condition     = can(regex("^[a-z][a-z0-9-]{0,24}$", var.environment))
    error_message = "The environment must be 1-25 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "main_account_id" {
  description = "AWS account id of the main account (where the role and the tables live)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.main_account_id))
    error_message = "The main_account_id must be exactly 12 digits."
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

variable "partition" {
  description = "AWS partition of both accounts."
  type        = string
  default     = "aws"

  validation {
    condition     = contains(["aws", "aws-cn", "aws-us-gov"], var.partition)
    error_message = "The partition must be one of aws, aws-cn or aws-us-gov."
  }
}

variable "default_region" {
  description = "Region of every table whose entry leaves region empty."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.default_region))
    error_message = "The default_region must be a region name such as us-east-1."
  }
}

variable "role_name" {
  description = "Overrides the role name. Empty: {environment}-ddb_cross_acc_access_role-{consumer_account_id}, the name the function derives."
  type        = string
  default     = ""

  validation {
    condition     = var.role_name == "" || can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.role_name))
    error_message = "The role_name must be empty or 1-64 characters of letters, digits and +=,.@_-."
  }
}

variable "trust_mode" {
  description = "\"principal\": trust exactly trusted_principal_arns (they must exist when the main account is applied). \"account\": trust the consumer account with an aws:PrincipalArn condition on trusted_principal_arns (either apply order works)."
  type        = string
  default     = "principal"

  validation {
    condition     = contains(["principal", "account"], var.trust_mode)
    error_message = "The trust_mode must be \"principal\" or \"account\"."
  }
}

variable "trusted_principal_arns" {
  description = "ARNs of the consumer principals (normally the function's execution role) allowed to assume the role. They must belong to consumer_account_id."
  type        = list(string)

  validation {
    condition     = length(var.trusted_principal_arns) > 0
    error_message = "The trusted_principal_arns list must name at least one principal."
  }

  validation {
    # Only concrete role or user ARNs: no wildcards, no account root (that is what trust_mode =
    # "account" is for, and it always comes with an aws:PrincipalArn condition).
    condition = alltrue([
      for arn in var.trusted_principal_arns :
      can(regex("^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:(role|user)/[A-Za-z0-9+=,.@_/-]+$", arn))
    ])
    error_message = "Each trusted principal must be an IAM role or user ARN such as arn:aws:iam::222222222222:role/NAME, without wildcards."
  }
}

variable "external_id" {
  description = "ExternalId the caller must present (sts:ExternalId condition). Empty: no condition."
  type        = string
  default     = ""

  validation {
    # Terraform's regex engine caps repetition counts at 1000, so the length is checked apart.
    condition     = var.external_id == "" || (length(var.external_id) >= 2 && length(var.external_id) <= 1224 && can(regex("^[A-Za-z0-9+=,.@:/_-]+$", var.external_id)))
    error_message = "The external_id must be empty or 2-1224 characters of letters, digits and +=,.@:/_-."
  }
}

variable "enable_tag_session" {
  description = "Also allow sts:TagSession (session tags) to the trusted principals."
  type        = bool
  default     = false
}

variable "enable_source_identity" {
  description = "Also allow sts:SetSourceIdentity to the trusted principals."
  type        = bool
  default     = false
}

variable "max_session_duration" {
  description = "Maximum session duration of the role, in seconds (IAM allows 3600-43200). A session assumed from a Lambda execution role is role chaining and capped at 3600 by AWS anyway."
  type        = number
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200 && floor(var.max_session_duration) == var.max_session_duration
    error_message = "The max_session_duration must be a whole number of seconds between 3600 and 43200."
  }
}

variable "tables" {
  description = "Tables to grant, each a map with table_name, access_type (Read, ReadWriteUpdate or Full) and optionally region (empty or absent: default_region)."
  # list(map(string)) rather than an object type: Terraform 1.0 has no optional() attributes,
  # and region must be optional.
  type = list(map(string))

  validation {
    condition     = length(var.tables) > 0
    error_message = "The tables list must contain at least one table."
  }

  validation {
    condition = alltrue([
      for t in var.tables : length(setsubtract(keys(t), ["table_name", "access_type", "region"])) == 0
    ])
    error_message = "Each table entry may only have the keys table_name, access_type and region."
  }

  validation {
    condition = alltrue([
      for t in var.tables : length(t["table_name"]) >= 3 && length(t["table_name"]) <= 255 && can(regex("^[A-Za-z0-9_.-]+$", t["table_name"]))
    ])
    error_message = "Each table entry needs a table_name of 3-255 characters of letters, digits, underscore, hyphen and dot."
  }

  validation {
    condition = alltrue([
      for t in var.tables : contains(["Read", "ReadWriteUpdate", "Full"], lookup(t, "access_type", ""))
    ])
    error_message = "Each table entry needs an access_type of Read, ReadWriteUpdate or Full."
  }

  validation {
    condition = alltrue([
      for t in var.tables : can(regex("^([a-z]{2}(-[a-z]+)+-[0-9]+)?$", lookup(t, "region", "")))
    ])
    error_message = "A table region must be empty or a region name such as eu-west-1."
  }

  validation {
    # Policies are keyed (and named) by table name.
    condition     = length(distinct([for t in var.tables : lookup(t, "table_name", "")])) == length(var.tables)
    error_message = "Each table_name may appear only once in tables."
  }
}
