# A weak EKS cluster: public endpoint, no KMS for Secrets, no audit log, aws-auth only,
# no IRSA, an administrator node role, no network-policy engine.
variable "public_endpoint" {
  type    = bool
  default = true
}

resource "aws_iam_role" "cluster" {
  name               = "shop-cluster"
  assume_role_policy = "{}"
}

resource "aws_iam_role" "nodes" {
  name               = "shop-nodes"
  assume_role_policy = "{}"
}

resource "aws_iam_role_policy_attachment" "nodes_admin" {
  role       = aws_iam_role.nodes.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

resource "aws_eks_cluster" "shop" {
  name                      = "shop"
  role_arn                  = aws_iam_role.cluster.arn
  enabled_cluster_log_types = ["api"]

  access_config {
    authentication_mode = "CONFIG_MAP"
  }

  vpc_config {
    subnet_ids             = ["subnet-0a1", "subnet-0b2"]
    endpoint_public_access = var.public_endpoint
  }
}

resource "aws_eks_node_group" "default" {
  cluster_name  = aws_eks_cluster.shop.name
  node_role_arn = aws_iam_role.nodes.arn
  subnet_ids    = ["subnet-0a1", "subnet-0b2"]

  scaling_config {
    desired_size = 3
    max_size     = 5
    min_size     = 2
  }
}
