output "role_arn" {
  description = "ARN of the cross-account role: the function's ROLE_ARN."
  value       = try(module.cross_account_role[0].role_arn, null)
}

output "role_name" {
  description = "Name of the cross-account role."
  value       = try(module.cross_account_role[0].role_name, null)
}

output "policy_arns" {
  description = "ARN of each table's policy, by table name."
  value       = try({ for name, t in module.cross_account_role[0].tables : name => t.policy_arn }, {})
}

output "demo_table_arn" {
  description = "ARN of the demo table (null when none is created)."
  value       = try(module.demo_table[0].table_arn, null)
}

output "table_resource_policies" {
  description = "The resource-based policy of each table, by table name (decoded; empty in assume_role mode)."
  value       = try({ for name, t in module.table_resource_policy[0].tables : name => t.policy }, {})
}

output "demo_kms_key_arns" {
  description = "ARN of each demo table's customer-managed KMS key, by table name (empty when none is created)."
  value       = { for name, k in aws_kms_key.demo : name => k.arn }
}
