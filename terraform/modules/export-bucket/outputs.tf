output "bucket_name" {
  description = "The bucket's name (EXPORT_BUCKET)."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "The bucket's ARN."
  value       = aws_s3_bucket.this.arn
}

output "prefix" {
  description = "The prefix the main account's role may write (EXPORT_PREFIX)."
  value       = var.bucket.prefix
}

output "environment" {
  description = "The function's environment variables for exports into this bucket."
  value = {
    EXPORT_BUCKET       = aws_s3_bucket.this.id
    EXPORT_BUCKET_OWNER = var.consumer_account_id
    EXPORT_PREFIX       = var.bucket.prefix
  }
}
