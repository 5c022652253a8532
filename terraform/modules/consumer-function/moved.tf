# Addresses of earlier versions of this module, so that an existing deployment upgrades in
# place: the execution role's two policies became one for_each resource.
moved {
  from = aws_iam_policy.assume_main
  to   = aws_iam_policy.execution["assume-main"]
}

moved {
  from = aws_iam_policy.logs
  to   = aws_iam_policy.execution["logs"]
}

moved {
  from = aws_iam_role_policy_attachment.assume_main
  to   = aws_iam_role_policy_attachment.execution["assume-main"]
}

moved {
  from = aws_iam_role_policy_attachment.logs
  to   = aws_iam_role_policy_attachment.execution["logs"]
}
