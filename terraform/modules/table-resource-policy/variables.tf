variable "environment" {
  description = "Environment name (dev, stage, prod, local...): names the default principal (modules/conventions checks its format)."
  type        = string
  nullable    = false
}

variable "main_account_id" {
  description = "Account id of the main account: where the tables are."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]{12}$", var.main_account_id))
    error_message = "The main_account_id must be exactly 12 digits."
  }
}

variable "consumer_account_id" {
  description = "Account id of the consumer account: the only account whose principals the policies name."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]{12}$", var.consumer_account_id))
    error_message = "The consumer_account_id must be exactly 12 digits."
  }
}

variable "region" {
  description = "Region of every table that names none."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.region))
    error_message = "The region must be a region name such as us-east-1."
  }
}

variable "principals" {
  description = "Who the table policies name. mode: \"principal\" (the exact principal_arns; they must exist when a policy is written, so apply the consumer root first) or \"account\" (the consumer account root with an aws:PrincipalArn condition on principal_arns; either order). principal_arns: null means the consumer root's execution role (naming.json)."
  type = object({
    mode           = optional(string, "principal")
    principal_arns = optional(list(string))
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains(["principal", "account"], var.principals.mode)
    error_message = "The principals.mode must be \"principal\" or \"account\"."
  }

  validation {
    condition = alltrue([
      for arn in coalesce(var.principals.principal_arns, []) :
      can(regex("^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", arn)) && !strcontains(arn, "*")
    ]) && (var.principals.principal_arns == null || length(coalesce(var.principals.principal_arns, [])) > 0)
    error_message = "The principals.principal_arns must be null (the execution role) or a non-empty list of IAM role ARNs such as arn:aws:iam::222222222222:role/NAME, without wildcards."
  }
}

variable "tables" {
  description = "Tables to grant, by table name: access_type (Read, ReadWriteUpdate or Full, see access-levels.json) and region (null: var.region). One resource-based policy per table; the tables must exist. replica_regions must be empty: a table policy is per replica, written in the replica's region (see the README)."
  type = map(object({
    access_type     = string
    region          = optional(string)
    replica_regions = optional(list(string), [])
  }))
  nullable = false

  validation {
    # A resource-based policy belongs to one replica and is written through that region's
    # endpoint; this module's resources use one provider, so one region.
    condition     = alltrue([for t in values(var.tables) : length(coalesce(t.replica_regions, [])) == 0])
    error_message = "A table policy covers one replica in one region, and DynamoDB does not copy it to the other replicas: remove replica_regions here, and give each replica its own policy with another instance of this module whose provider is in that replica's region (or use access_mode assume_role, whose role covers every replica)."
  }

  validation {
    condition     = length(var.tables) > 0
    error_message = "The tables map must name at least one table."
  }

  validation {
    condition     = alltrue([for t in values(var.tables) : contains(["Read", "ReadWriteUpdate", "Full"], t.access_type)])
    error_message = "Each table needs an access_type of Read, ReadWriteUpdate or Full."
  }
}
