# The Lambda plumbing moved into modules/lambda-function (module.function): these blocks keep
# the function, its role, its log group (with its logs) and its dead-letter queue in place in
# states applied before the move, instead of destroying and recreating them.
# The queue and its policy had no count here; there they have one (create_dead_letter_queue,
# always true for this module), hence [0].

moved {
  from = aws_lambda_function.this
  to   = module.function.aws_lambda_function.this
}

moved {
  from = aws_lambda_function_event_invoke_config.this
  to   = module.function.aws_lambda_function_event_invoke_config.this
}

moved {
  from = aws_cloudwatch_log_group.this
  to   = module.function.aws_cloudwatch_log_group.this
}

moved {
  from = aws_sqs_queue.dead_letter
  to   = module.function.aws_sqs_queue.dead_letter[0]
}

moved {
  from = aws_iam_role.this
  to   = module.function.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.logs
  to   = module.function.aws_iam_role_policy.logs
}

moved {
  from = aws_iam_role_policy.dead_letter
  to   = module.function.aws_iam_role_policy.dead_letter[0]
}
