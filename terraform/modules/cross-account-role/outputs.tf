output "role_arn" {
  description = "ARN of the cross-account role (the function's ROLE_ARN)."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the cross-account role."
  value       = aws_iam_role.this.name
}

output "policy_arns" {
  description = "ARN of each table's policy, by table name."
  value       = { for table, p in aws_iam_policy.table : table => p.arn }
}

output "trust_policy_json" {
  description = "The rendered trust policy."
  value       = module.policies.trust_policy_json
}
