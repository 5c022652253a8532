module "function" {
  source = "../modules/consumer-function"

  environment         = var.environment
  consumer_account_id = var.consumer_account_id
  main_account_id     = var.main_account_id
  region              = var.region
  function = merge(var.function, {
    zip_path = coalesce(var.zip_path, "${path.root}/../../target/lambda/ddb-cross-account-reader/bootstrap.zip")
    # EXPORT_BUCKET, EXPORT_BUCKET_OWNER, EXPORT_PREFIX when exports are on (exports.tf).
    extra_environment = merge(coalesce(var.function.extra_environment, {}), local.export_environment)
  })
  assume   = var.assume
  access   = var.access
  schedule = var.schedule

  metrics          = var.metrics
  alarms           = var.alarms
  failure_handling = var.failure_handling
}
