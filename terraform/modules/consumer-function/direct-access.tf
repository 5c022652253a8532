# The resource-policy access mode: the execution role reads the main account's tables itself,
# with no AssumeRole. Across accounts DynamoDB needs both this identity policy and the table's
# resource-based policy (modules/table-resource-policy) to allow.

variable "access" {
  description = "How the function reaches the main account's tables. mode: \"assume_role\" (the cross-account role; the default), \"resource_policy\" (the execution role itself, through the tables' resource-based policies; no sts:AssumeRole grant) or \"both\" (while migrating: the function uses resource_policy, the AssumeRole grant stays for a rollback). tables: by table name, access_type (Read, ReadWriteUpdate, Full) and region (null: var.region), the same map the main root's tables input holds; required unless mode is assume_role."
  type = object({
    mode = optional(string, "assume_role")
    tables = optional(map(object({
      access_type = string
      region      = optional(string)
    })), {})
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains(["assume_role", "resource_policy", "both"], var.access.mode)
    error_message = "The access.mode must be \"assume_role\", \"resource_policy\" or \"both\"."
  }

  validation {
    condition     = var.access.mode == "assume_role" || length(var.access.tables) > 0
    error_message = "The access.tables map must name the main account's tables (with their access_type) when access.mode is resource_policy or both."
  }

  validation {
    condition     = alltrue([for t in values(var.access.tables) : contains(["Read", "ReadWriteUpdate", "Full"], t.access_type)])
    error_message = "Each of access.tables needs an access_type of Read, ReadWriteUpdate or Full."
  }
}

locals {
  assume_role_granted = var.access.mode != "resource_policy"
  direct_access       = var.access.mode != "assume_role"

  # The same actions the table policies grant (access level within what a table policy can hold).
  direct_tables = {
    for name, t in var.access.tables : name => {
      arn     = "arn:${local.partition}:dynamodb:${coalesce(t.region, var.region)}:${var.main_account_id}:table/${name}"
      actions = sort(setintersection(module.conventions.access_levels[t.access_type], module.conventions.resource_policy_actions))
    }
  }

  direct_access_policy = local.direct_access ? {
    "main-tables" = {
      description = "The main account's tables, directly (their resource-based policies must allow too)."
      document = {
        Version = "2012-10-17"
        Statement = [for name, t in local.direct_tables : {
          Sid      = "Table${replace(title(replace(name, "/[^A-Za-z0-9]+/", " ")), " ", "")}"
          Effect   = "Allow"
          Action   = t.actions
          Resource = [t.arn, "${t.arn}/index/*"]
        }]
      }
    }
  } : {}

  # ACCESS_MODE only when not the function's default; MAIN_ACCOUNT_ID builds the table ARNs.
  direct_access_environment = local.direct_access ? {
    ACCESS_MODE     = "resource_policy"
    MAIN_ACCOUNT_ID = var.main_account_id
  } : {}
}
