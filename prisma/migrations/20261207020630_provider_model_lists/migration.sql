-- CreateTable
CREATE TABLE "ProviderModelList" (
    "baseUrl" TEXT NOT NULL,
    "modelIds" JSONB NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ProviderModelList_pkey" PRIMARY KEY ("baseUrl")
);
