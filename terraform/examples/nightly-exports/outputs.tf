output "function_name" {
  description = "The function the schedule runs."
  value       = module.function.function_name
}

output "schedule_arn" {
  description = "The nightly schedule."
  value       = module.function.schedule_arn
}

output "export_bucket" {
  description = "Where the exports land: bucket name and prefix."
  value       = { name = module.bucket.bucket_name, prefix = module.bucket.prefix }
}
