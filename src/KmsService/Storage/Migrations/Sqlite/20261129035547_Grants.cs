using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KmsService.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Grants : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "grants",
                columns: table => new
                {
                    GrantId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    KeyArn = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    AccountId = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    Region = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    GranteePrincipal = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    RetiringPrincipal = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    IssuingAccount = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Operations = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    EncryptionContextEquals = table.Column<string>(type: "TEXT", nullable: true),
                    EncryptionContextSubset = table.Column<string>(type: "TEXT", nullable: true),
                    CreationDate = table.Column<DateTime>(type: "TEXT", nullable: false),
                    GrantToken = table.Column<string>(type: "TEXT", maxLength: 8192, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_grants", x => x.GrantId);
                    table.ForeignKey(
                        name: "FK_grants_keys_KeyArn",
                        column: x => x.KeyArn,
                        principalTable: "keys",
                        principalColumn: "Arn",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_grants_KeyArn_CreationDate_GrantId",
                table: "grants",
                columns: new[] { "KeyArn", "CreationDate", "GrantId" });

            migrationBuilder.CreateIndex(
                name: "IX_grants_RetiringPrincipal_Region",
                table: "grants",
                columns: new[] { "RetiringPrincipal", "Region" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "grants");
        }
    }
}
