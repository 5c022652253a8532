# Table exports (the function's `export` op): the bucket they land in, owned by this account and
# written only by the main account's role; the function's configuration points at it.

variable "exports" {
  description = "The export bucket (null: none, and the function's export op is refused with ExportsDisabled). modules/export-bucket's bucket input: name (null: naming.json's export_bucket_name), prefix (EXPORT_PREFIX; the main root's exports.prefix must match), expiration_days, noncurrent_expiration_days, force_destroy. The main root grants the role the exports (its exports input)."
  type = object({
    name                       = optional(string)
    prefix                     = optional(string, "exports")
    expiration_days            = optional(number, 30)
    noncurrent_expiration_days = optional(number, 7)
    force_destroy              = optional(bool, false)
  })
  default = null
}

module "export_bucket" {
  source = "../modules/export-bucket"
  count  = var.exports == null ? 0 : 1

  environment         = var.environment
  consumer_account_id = var.consumer_account_id
  writer_role_arns    = [module.function.role_arn]
  bucket              = var.exports
}

locals {
  export_environment = try(module.export_bucket[0].environment, {})
}

output "export_bucket" {
  description = "The export bucket's name, ARN and prefix (null without exports)."
  value = try({
    name   = module.export_bucket[0].bucket_name
    arn    = module.export_bucket[0].bucket_arn
    prefix = module.export_bucket[0].prefix
  }, null)
}
