output "function_name" {
  description = "The function to invoke, for example with {\"op\": \"scan\"} (DEFAULT_TABLE is the table)."
  value       = module.function.function_name
}

output "execution_role_arn" {
  description = "The principal the table policy names."
  value       = module.function.execution_role_arn
}

output "table_arn" {
  description = "The table's ARN."
  value       = module.table.table_arn
}
