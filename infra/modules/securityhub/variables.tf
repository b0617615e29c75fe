# The standards and the finding generator are fixed on purpose: the gates read consolidated
# control findings, and the control mapping table is written against these standards' controls.
# A variables.tf with no variable keeps the module's file layout the same as the others.
