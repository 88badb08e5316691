# The storefront runs on an EKS cluster whose nodes answer IMDS requests from pods (no
# IMDSv2 hop limit on the node group).
resource "aws_eks_cluster" "shop" {
  name     = "shop"
  role_arn = "arn:aws:iam::111122223333:role/shop-cluster"

  vpc_config {
    subnet_ids = ["subnet-0a1", "subnet-0b2"]
  }
}

resource "aws_eks_node_group" "default" {
  cluster_name  = aws_eks_cluster.shop.name
  node_role_arn = "arn:aws:iam::111122223333:role/shop-nodes"
  subnet_ids    = ["subnet-0a1", "subnet-0b2"]
}
