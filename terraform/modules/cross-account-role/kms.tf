# A table encrypted with a customer-managed KMS key is readable only by a principal that may use
# the key: DynamoDB calls KMS with the caller's permissions. The grant is the level's actions of
# kms-actions.json on that one key, and only through DynamoDB in the table's region
# (kms:ViaService), so the role cannot call KMS with the key directly.
locals {
  kms_statements = {
    for name, t in local.tables : name => t.kms_key_arn == null ? [] : [{
      Sid      = "KmsFor${t.access_type}"
      Effect   = "Allow"
      Action   = module.conventions.kms_actions[t.access_type]
      Resource = [t.kms_key_arn]
      Condition = {
        StringEquals = { "kms:ViaService" = "dynamodb.${t.region}.amazonaws.com" }
      }
    }]
  }
}
