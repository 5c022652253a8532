output "function_name" {
  description = "The function to invoke, for example with {\"op\": \"scan\", \"table\": \"customers\"}."
  value       = module.function.function_name
}

output "role_arn" {
  description = "The main account's role the function assumes (its ROLE_ARN)."
  value       = module.role.role_arn
}

output "table_policies" {
  description = "Per table: the name of the IAM policy granting it."
  value       = { for name, t in module.role.tables : name => t.policy_name }
}
