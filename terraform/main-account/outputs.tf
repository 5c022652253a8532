output "role_arn" {
  description = "ARN of the cross-account role: the function's ROLE_ARN."
  value       = module.cross_account_role.role_arn
}

output "role_name" {
  description = "Name of the cross-account role."
  value       = module.cross_account_role.role_name
}

output "policy_arns" {
  description = "ARN of each table's policy, by table name."
  value       = { for name, t in module.cross_account_role.tables : name => t.policy_arn }
}

output "demo_table_arn" {
  description = "ARN of the demo table (null when none is created)."
  value       = try(module.demo_table[0].table_arn, null)
}
