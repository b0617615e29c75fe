# A monthly cost budget for the account, notifying the alerts topic (and, optionally, email
# addresses directly) when actual spend passes a share of the limit and when the month's
# forecast passes the limit. AWS Budgets evaluates about three times a day, so notifications
# lag spend by hours; the forecast needs about five weeks of history before it exists.

resource "aws_budgets_budget" "monthly" {
  name         = var.name
  budget_type  = "COST"
  limit_amount = format("%.2f", var.limit_amount)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"

  dynamic "notification" {
    for_each = var.actual_thresholds
    content {
      notification_type          = "ACTUAL"
      comparison_operator        = "GREATER_THAN"
      threshold                  = notification.value
      threshold_type             = "PERCENTAGE"
      subscriber_sns_topic_arns  = [var.topic_arn]
      subscriber_email_addresses = var.email_addresses
    }
  }

  dynamic "notification" {
    for_each = var.forecasted_thresholds
    content {
      notification_type          = "FORECASTED"
      comparison_operator        = "GREATER_THAN"
      threshold                  = notification.value
      threshold_type             = "PERCENTAGE"
      subscriber_sns_topic_arns  = [var.topic_arn]
      subscriber_email_addresses = var.email_addresses
    }
  }

  tags = var.tags
}
