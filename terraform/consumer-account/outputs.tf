output "function_arn" {
  description = "ARN of the function."
  value       = module.function.function_arn
}

output "function_name" {
  description = "Name of the function (aws lambda invoke --function-name ...)."
  value       = module.function.function_name
}

output "execution_role_arn" {
  description = "ARN of the execution role: what the main root trusts (trust.principal_arns)."
  value       = module.function.execution_role_arn
}

output "main_role_arn" {
  description = "The main-account role the function assumes (ROLE_ARN)."
  value       = module.function.role_arn
}

output "environment" {
  description = "The function's environment variables, as deployed."
  value       = module.function.environment
}
