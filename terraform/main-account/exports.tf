variable "exports" {
  description = "Table exports into the consumer account's bucket, granted to the cross-account role (null: none; needs access_mode assume_role or both). tables: names of var.tables that may be exported (each with point-in-time recovery). bucket: null for naming.json's export_bucket_name (what the consumer root's exports creates). prefix: as the consumer root's exports.prefix."
  type = object({
    tables = list(string)
    bucket = optional(string)
    prefix = optional(string, "exports")
  })
  default = null
}
