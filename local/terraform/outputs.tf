# Shapes are a contract with the emulator seed (see the project README): policies are maps of
# customer-managed policy name => policy JSON, created in the role's account and attached.

output "main_roles" {
  description = "Main-account roles: name => {arn, trust_policy, max_session_duration, policies}."
  value = {
    for m in values(local.main_role_modules) : m.role_name => {
      arn                  = m.role_arn
      trust_policy         = m.trust_policy_json
      max_session_duration = m.max_session_duration
      policies             = { for t in values(m.table_policies) : t.name => t.json }
    }
  }
}

output "consumer_roles" {
  description = "Consumer-account execution roles: name => {arn, trust_policy, policies}."
  value = {
    "local-consumer-fn" = {
      arn          = local.consumer_fn
      trust_policy = module.consumer_fn.execution_trust_policy_json
      policies = {
        "local-consumer-fn-assume-main" = module.consumer_fn.assume_policy_json
        "local-consumer-fn-logs"        = module.consumer_fn.logs_policy_json
      }
    }
    "local-consumer-noassume" = {
      arn          = local.consumer_noassume
      trust_policy = module.consumer_noassume.execution_trust_policy_json
      policies = {
        "local-consumer-noassume-logs" = module.consumer_noassume.logs_policy_json
      }
    }
    "local-consumer-other" = {
      arn          = "${local.consumer}/local-consumer-other"
      trust_policy = module.consumer_other.execution_trust_policy_json
      policies = {
        "local-consumer-other-assume-main" = module.consumer_other.assume_policy_json
        "local-consumer-other-logs"        = module.consumer_other.logs_policy_json
      }
    }
  }
}

output "demo_role_arn" {
  description = "ARN of the demo role (ROLE_ARN of the local function)."
  value       = module.demo_role.role_arn
}

output "external_id" {
  description = "ExternalId the local main roles require."
  value       = var.external_id
}

output "function_environment" {
  description = "Environment of the local function (local-consumer-fn), as the consumer module would set it."
  value       = module.consumer_fn.environment
}

output "access_levels" {
  description = "Action list of each access level (terraform/modules/cross-account-policies/access-levels.json)."
  value       = module.demo_role.access_levels
}
