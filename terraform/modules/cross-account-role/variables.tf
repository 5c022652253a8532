variable "environment" {
  description = "Environment name (dev, stage, prod, local...): part of the role's name (modules/conventions checks its format)."
  type        = string
  nullable    = false
}

variable "main_account_id" {
  description = "Account id of the main account: where the role and the tables are."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]{12}$", var.main_account_id))
    error_message = "The main_account_id must be exactly 12 digits."
  }
}

variable "consumer_account_id" {
  description = "Account id of the consumer account: where the function runs."
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

variable "role" {
  description = "The role: name (null: naming.json's cross_account_role_name; the consumer root then needs the same name), IAM path of the role and its policies, permissions boundary ARN (null: none)."
  type = object({
    name                 = optional(string)
    path                 = optional(string, "/")
    permissions_boundary = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.role.name == null || can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.role.name))
    error_message = "The role.name must be null (naming.json's name) or 1-64 characters of letters, digits and +=,.@_-."
  }

  validation {
    condition     = can(regex("^/([!-.0-~]+/)*$", var.role.path)) && length(var.role.path) <= 512
    error_message = "The role.path must start and end with / (for example /ddb-readers/), at most 512 characters."
  }
}

variable "trust" {
  description = "Who may assume the role. mode: \"principal\" (trust principal_arns exactly; they must exist, so apply the consumer root first) or \"account\" (trust the consumer account with an aws:PrincipalArn condition on principal_arns; either order). principal_arns: null means the consumer root's execution role (naming.json). external_id: the sts:ExternalId the caller must give (null: none). source_identity: also allow sts:SetSourceIdentity, only with a SourceIdentity in source_identities (null: naming.json's function_name). tag_session: also allow sts:TagSession, only with exactly the tags of session_tags (null: naming.json's session_tags: consumer, environment, function). max_session_duration: seconds, 3600-43200."
  type = object({
    mode                 = optional(string, "principal")
    principal_arns       = optional(list(string))
    external_id          = optional(string)
    tag_session          = optional(bool, false)
    source_identity      = optional(bool, false)
    source_identities    = optional(list(string))
    session_tags         = optional(map(string))
    max_session_duration = optional(number, 3600)
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains(["principal", "account"], var.trust.mode)
    error_message = "The trust.mode must be \"principal\" or \"account\"."
  }

  validation {
    condition     = var.trust.principal_arns == null || length(coalesce(var.trust.principal_arns, [])) > 0
    error_message = "The trust.principal_arns list must name at least one principal (or be null: the consumer root's execution role)."
  }

  validation {
    # Only concrete role or user ARNs: no wildcard, no account root (that is what mode = "account"
    # is for, and it always comes with an aws:PrincipalArn condition).
    condition = alltrue([
      for arn in coalesce(var.trust.principal_arns, []) :
      can(regex("^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:(role|user)/[A-Za-z0-9+=,.@_/-]+$", arn)) && !strcontains(arn, "*")
    ])
    error_message = "Each trusted principal must be an IAM role or user ARN such as arn:aws:iam::222222222222:role/NAME, without wildcards."
  }

  validation {
    # Terraform's regex engine caps repetition counts at 1000, so the length is checked apart.
    condition = var.trust.external_id == null || (
      length(coalesce(var.trust.external_id, "-")) >= 2 && length(coalesce(var.trust.external_id, "-")) <= 1224 &&
      can(regex("^[A-Za-z0-9+=,.@:/_-]+$", coalesce(var.trust.external_id, "-")))
    )
    error_message = "The trust.external_id must be null (no condition) or 2-1224 characters of letters, digits and +=,.@:/_-."
  }

  validation {
    # STS's SourceIdentity rule: 2-64 characters of [\w+=,.@-], not starting with aws:.
    condition = var.trust.source_identities == null || (length(coalesce(var.trust.source_identities, ["-"])) > 0 && alltrue([
      for s in coalesce(var.trust.source_identities, []) : can(regex("^[A-Za-z0-9+=,.@_-]{2,64}$", s)) && !startswith(lower(s), "aws:")
    ]))
    error_message = "The trust.source_identities must be null (the function's name) or a non-empty list of 2-64 characters of letters, digits and +=,.@_- each."
  }

  validation {
    # STS's session tag rules: at most 50; keys 1-128, values 0-256 characters; no aws: prefix.
    condition = var.trust.session_tags == null || (length(coalesce(var.trust.session_tags, { "-" = "" })) > 0 && length(coalesce(var.trust.session_tags, {})) <= 50 && alltrue([
      for k, v in coalesce(var.trust.session_tags, {}) :
      can(regex("^[\\p{L}\\p{N} _.:/=+@-]{1,128}$", k)) && can(regex("^[\\p{L}\\p{N} _.:/=+@-]{0,256}$", v)) && !startswith(lower(k), "aws:")
    ]))
    error_message = "The trust.session_tags must be null (naming.json's session_tags) or 1-50 tags: keys of 1-128 and values of at most 256 letters, digits, spaces and _.:/=+@-, keys not starting with aws:."
  }

  validation {
    condition     = var.trust.max_session_duration >= 3600 && var.trust.max_session_duration <= 43200 && floor(var.trust.max_session_duration) == var.trust.max_session_duration
    error_message = "The trust.max_session_duration must be a whole number of seconds between 3600 and 43200."
  }
}

variable "tables" {
  description = "Tables to grant, by table name: access_type (Read, ReadWriteUpdate or Full, see access-levels.json), region (null: var.region), replica_regions (a global table: the other regions it has a replica in, each granted the same; not the home region, no duplicates) and kms_key_arn (the table's customer-managed KMS key in the main account; null: an AWS owned or AWS managed key, nothing to grant; not with replica_regions, whose replicas each have a key of their own region). One policy per table, covering every replica; with a key it also grants kms-actions.json's actions for the level on that key, via DynamoDB only."
  type = map(object({
    access_type     = string
    region          = optional(string)
    replica_regions = optional(list(string), [])
    kms_key_arn     = optional(string)
  }))
  nullable = false

  validation {
    condition     = length(var.tables) > 0
    error_message = "The tables map must name at least one table."
  }

  validation {
    condition = alltrue([
      for name in keys(var.tables) : length(name) >= 3 && length(name) <= 255 && can(regex("^[A-Za-z0-9_.-]+$", name))
    ])
    error_message = "Each table name (a key of tables) must be 3-255 characters of letters, digits, underscore, hyphen and dot."
  }

  validation {
    condition     = alltrue([for t in values(var.tables) : contains(["Read", "ReadWriteUpdate", "Full"], t.access_type)])
    error_message = "Each table needs an access_type of Read, ReadWriteUpdate or Full."
  }

  validation {
    condition     = alltrue([for t in values(var.tables) : t.region == null || can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", coalesce(t.region, "-")))])
    error_message = "A table's region must be null (var.region) or a region name such as eu-west-1."
  }

  validation {
    condition = alltrue([for t in values(var.tables) : alltrue([
      for r in coalesce(t.replica_regions, []) : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", r))
    ])])
    error_message = "Each of a table's replica_regions must be a region name such as eu-west-1."
  }

  validation {
    condition     = alltrue([for t in values(var.tables) : length(distinct(coalesce(t.replica_regions, []))) == length(coalesce(t.replica_regions, []))])
    error_message = "A table's replica_regions must name each region once; remove the duplicates."
  }

  validation {
    # The account is checked against main_account_id in kms.tf (a validation cannot read another
    # variable before Terraform 1.9). A key id or alias is refused: IAM matches key ARNs only.
    condition = alltrue([
      for t in values(var.tables) : t.kms_key_arn == null || can(regex(
        "^arn:aws(-cn|-us-gov)?:kms:[a-z]{2}(-[a-z]+)+-[0-9]+:[0-9]{12}:key/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$",
        coalesce(t.kms_key_arn, "-")
      ))
    ])
    error_message = "A table's kms_key_arn must be null (an AWS owned or managed key) or a KMS key ARN such as arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab (not a key id or an alias: IAM policies match key ARNs)."
  }
}

variable "tags" {
  description = "Tags for the role and its policies (the provider's default_tags come on top)."
  type        = map(string)
  default     = {}
  nullable    = false
}
