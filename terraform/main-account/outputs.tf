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
  value       = module.cross_account_role.policy_arns
}

output "demo_table_arn" {
  description = "ARN of the demo table (empty when not created)."
  value       = var.create_demo_table ? module.demo_table[0].table_arn : ""
}
