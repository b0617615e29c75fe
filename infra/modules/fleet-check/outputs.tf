output "output_bucket_name" {
  description = "The bucket Run Command writes the outputs to: the fleet-check action's output-bucket input."
  value       = local.bucket_name
}

output "output_prefix" {
  description = "The key prefix of the outputs: the fleet-check action's output-prefix input."
  value       = local.output_prefix
}

output "member_role_arn" {
  description = "ARN of the role the central fleet check assumes in this account, or null without create_member_role."
  value       = var.create_member_role ? aws_iam_role.member[0].arn : null
}

output "member_role_name" {
  description = "Name of the member role: the fleet-check action's role-name input."
  value       = var.member_role_name
}

output "instance_output_policy_arn" {
  description = "ARN of the policy that lets an instance write its output to the bucket; attach it to the roles of the checked instances' profiles. null without create_member_role."
  value       = var.create_member_role ? aws_iam_policy.instance_output[0].arn : null
}
